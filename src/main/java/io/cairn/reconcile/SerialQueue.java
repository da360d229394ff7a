package io.cairn.reconcile;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/**
 * Runs asynchronous operations one after another on the owner's event loop, so the reconciler's
 * state changes never interleave even though each waits on storage and the runtime.
 */
final class SerialQueue {
  private Future<?> tail = Future.succeededFuture();

  <T> Future<T> submit(Supplier<Future<T>> operation) {
    Promise<T> done = Promise.promise();
    tail = tail.eventually(() -> {
      Future<T> f;
      try {
        f = operation.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(done);
      return f.transform(ar -> Future.succeededFuture());
    });
    return done.future();
  }
}

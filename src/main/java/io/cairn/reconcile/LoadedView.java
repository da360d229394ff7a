package io.cairn.reconcile;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Holds requests until the reconciler's view was first loaded: before, an empty view would answer
 * 404 for what exists (seen on a restarted node, even for a consistent read). A node still loading
 * after {@code wait} (catching up with the cluster after start) answers UNAVAILABLE.
 */
final class LoadedView {
  private final Reconciler reconciler;
  private final Duration wait;

  LoadedView(Reconciler reconciler, Duration wait) {
    this.reconciler = reconciler;
    this.wait = wait;
  }

  <T> Future<T> then(Supplier<Future<T>> operation) {
    Future<Void> loaded = reconciler.loaded();
    Future<Void> ready = loaded.succeeded() ? loaded : loaded.timeout(wait.toMillis(), TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(new CairnException(ErrorCode.UNAVAILABLE,
            "this node is still loading its state (catching up after start); ask again shortly or ask another node")));
    return ready.compose(v -> {
      try {
        return operation.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
  }
}

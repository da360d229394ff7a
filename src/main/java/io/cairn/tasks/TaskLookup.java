package io.cairn.tasks;

import io.cairn.bus.Bus;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * How front ends reach a task: this node's task component first; in a cluster, a task it does not
 * have is looked for on the other nodes (the {@code ELSEWHERE_*} addresses), so any node answers.
 */
public final class TaskLookup {
  private TaskLookup() {}

  public static <T> Future<T> request(Vertx vertx, boolean clustered, String here, String elsewhere, Object message,
      Duration timeout, String requestId) {
    Future<T> local = Bus.request(vertx, here, message, timeout, requestId);
    if (!clustered) {
      return local;
    }
    return local.recover(e -> CairnException.from(e).code() == ErrorCode.NOT_FOUND
        ? Bus.<T>request(vertx, elsewhere, message, timeout, requestId).recover(remote ->
            Future.failedFuture(CairnException.from(remote).code() == ErrorCode.NOT_FOUND ? e : remote))
        : Future.failedFuture(e));
  }
}

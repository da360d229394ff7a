package io.cairn.reconcile;

import io.vertx.core.Future;

/**
 * How this node's view relates to the committed order. A single node's view is always current
 * (its log commits locally, and writes wait in the reconciler's queue); a cluster member's may
 * lag the log, so conditions are judged only once it has applied what the client has seen.
 */
interface CommittedOrder {
  /** Completes once this node's view holds every change up to log index {@code index}. */
  Future<Void> applied(long index, String requestId);

  /** Completes once this node's view holds everything committed before now (read index). */
  Future<Void> current(String requestId);

  CommittedOrder LOCAL = new CommittedOrder() {
    @Override
    public Future<Void> applied(long index, String requestId) {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> current(String requestId) {
      return Future.succeededFuture();
    }
  };
}

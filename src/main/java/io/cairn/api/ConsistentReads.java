package io.cairn.api;

import io.cairn.bus.Bus;
import io.cairn.cluster.ClusterBus;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/**
 * {@code GET ...?consistent=true}: before the read is served from this node's applied state, the
 * node confirms with the Raft leader that it has applied everything committed so far (read index),
 * so the read is linearizable; without a quorum it fails like a write (503). Reads without the
 * parameter are served locally at once, also on a node cut off from the leader. A single node's
 * log commits locally, so its reads are always current.
 */
final class ConsistentReads implements Handler<RoutingContext> {
  private final Vertx vertx;
  private final Duration timeout;
  private final boolean clustered;

  ConsistentReads(Vertx vertx, Duration timeout, boolean clustered) {
    this.vertx = vertx;
    this.timeout = timeout;
    this.clustered = clustered;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (!ctx.queryParams().contains("consistent")) {
      ctx.next();
      return;
    }
    boolean consistent;
    try {
      consistent = Params.bool(ctx, "consistent");
    } catch (RuntimeException e) {
      ApiErrors.fail(ctx, e);
      return;
    }
    if (!consistent || !clustered) {
      ctx.next();
      return;
    }
    Bus.<Boolean>request(vertx, ClusterBus.READ_INDEX, new ClusterBus.ReadIndex(), timeout, RequestIds.of(ctx))
        .onSuccess(v -> ctx.next())
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }
}

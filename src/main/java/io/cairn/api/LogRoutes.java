package io.cairn.api;

import io.cairn.workload.LogFollow;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code GET /api/v1/workloads/{name}/logs}: chunked text, the tail then (with follow) new lines. */
final class LogRoutes {
  private final Vertx vertx;
  private final Duration timeout;

  private final String nodeId;

  LogRoutes(Vertx vertx, Duration timeout, String nodeId) {
    this.nodeId = nodeId;
    this.vertx = vertx;
    this.timeout = timeout;
  }

  void mount(Router router) {
    router.get("/api/v1/workloads/:name/logs").handler(this::logs);
  }

  private void logs(RoutingContext ctx) {
    Integer tail = Params.optionalInt(ctx, "tail");
    LogFollow.Request request = new LogFollow.Request(ctx.pathParam("name"), ctx.queryParams().get("instance"),
        LogFollow.streams(ctx.queryParams().get("stream")), LogFollow.tail(tail == null ? 0 : tail, tail != null),
        Params.bool(ctx, "follow"));
    HttpServerResponse response = ctx.response().setChunked(true).putHeader("Content-Type", "text/plain; charset=utf-8");
    LogFollow.open(vertx, nodeId, timeout, RequestIds.of(ctx), request, lines -> response.closed() || response.ended()
            ? Future.failedFuture("client gone") : response.write(String.join("\n", lines) + "\n"))
        .onSuccess(follow -> {
          if (!follow.following()) {
            response.end();
            return;
          }
          AtomicInteger follows = ApiMetrics.of(ctx).logFollows();
          follows.incrementAndGet();
          response.closeHandler(v -> follow.close().onComplete(x -> follows.decrementAndGet()));
          if (!response.headWritten()) {
            response.writeHead();
          }
        })
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }
}

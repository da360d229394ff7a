package io.cairn.api;

import io.cairn.bus.Bus;
import io.cairn.model.CairnException;
import io.cairn.model.FieldError;
import io.cairn.model.InstanceStatus;
import io.cairn.reconcile.ReconcileBus;
import io.cairn.reconcile.WorkloadView;
import io.cairn.runtime.LogFiles;
import io.cairn.runtime.RuntimeBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * {@code GET /api/v1/workloads/{name}/logs}: the tail, then with {@code follow=true} new lines as the
 * runtime finds them. Each chunk is acknowledged only once written to the socket, so a slow client
 * slows the reader rather than growing a buffer; a client that goes away ends the follow.
 */
final class LogRoutes {
  private static final int MAX_TAIL = 100_000;
  private final Vertx vertx;
  private final Duration timeout;
  private final String localNode;

  LogRoutes(Vertx vertx, Duration timeout, String localNode) {
    this.vertx = vertx;
    this.timeout = timeout;
    this.localNode = localNode;
  }

  void mount(Router router) {
    router.get("/api/v1/workloads/:name/logs").handler(this::logs);
  }

  private void logs(RoutingContext ctx) {
    int tail = Params.intInRange(ctx, "tail", 100, 0, MAX_TAIL);
    boolean follow = Params.bool(ctx, "follow");
    List<LogFiles.Stream> streams = streams(ctx.queryParams().get("stream"));
    String instance = ctx.queryParams().get("instance");
    Bus.<WorkloadView>request(vertx, ReconcileBus.GET, new ReconcileBus.Get(ctx.pathParam("name")), timeout,
            RequestIds.of(ctx))
        .compose(view -> stream(ctx, view, instance, streams, tail, follow))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private Future<Void> stream(RoutingContext ctx, WorkloadView view, String instance, List<LogFiles.Stream> streams,
      int tail, boolean follow) {
    List<InstanceStatus> chosen = view.instances().stream()
        .filter(i -> instance == null || instance.isEmpty() || i.id().equals(instance) || i.id().startsWith(instance))
        .toList();
    if (instance != null && !instance.isEmpty() && chosen.isEmpty()) {
      return Future.failedFuture(CairnException.notFound("instance", instance));
    }
    String node = chosen.isEmpty() ? localNode : chosen.get(0).nodeId();
    HttpServerResponse response = ctx.response().setChunked(true)
        .putHeader("Content-Type", "text/plain; charset=utf-8");
    String sink = follow && !chosen.isEmpty() ? "cairn.api.logsink." + UUID.randomUUID() : null;
    MessageConsumer<RuntimeBus.LogChunk> consumer = sink == null ? null
        : vertx.eventBus().<RuntimeBus.LogChunk>localConsumer(sink, m -> {
          if (response.closed() || response.ended()) {
            m.reply(false);
            return;
          }
          response.write(String.join("\n", m.body().lines()) + "\n")
              .onComplete(ar -> m.reply(ar.succeeded()));
        });
    if (consumer != null) {
      java.util.concurrent.atomic.AtomicInteger follows = ApiMetrics.of(ctx).logFollows();
      follows.incrementAndGet();
      response.closeHandler(v -> consumer.unregister().onComplete(x -> follows.decrementAndGet()));
    }
    List<String> ids = chosen.stream().map(InstanceStatus::id).toList();
    return Bus.<RuntimeBus.LogLines>request(vertx, new RuntimeBus(node).logs(),
            new RuntimeBus.Logs(view.workload().name(), ids, streams, tail, sink), timeout, RequestIds.of(ctx))
        .onFailure(e -> {
          if (consumer != null) {
            consumer.unregister();
          }
        })
        .map(lines -> {
          String text = lines.lines().isEmpty() ? "" : String.join("\n", lines.lines()) + "\n";
          if (sink == null) {
            response.end(text);
          } else if (!text.isEmpty()) {
            response.write(text);
          } else {
            response.writeHead();
          }
          return null;
        });
  }

  private static List<LogFiles.Stream> streams(String raw) {
    if (raw == null || raw.isEmpty() || raw.equals("both")) {
      return List.of(LogFiles.Stream.stdout, LogFiles.Stream.stderr);
    }
    return switch (raw) {
      case "stdout" -> List.of(LogFiles.Stream.stdout);
      case "stderr" -> List.of(LogFiles.Stream.stderr);
      default -> throw CairnException.invalid(List.of(new FieldError("stream", "must be stdout, stderr or both")));
    };
  }
}

package io.cairn.workload;

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
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A workload's log lines for a front end: the tail, then (when following) new lines pushed by the
 * runtime. Each chunk is acknowledged only once the sink has written it, so a slow client slows the
 * reader instead of growing a buffer. {@link #close()} when the client goes away.
 */
public final class LogFollow {
  public static final int DEFAULT_TAIL = 100;
  public static final int MAX_TAIL = 100_000;

  /** Writes lines to the client; completes when they are written. */
  public interface Sink {
    Future<Void> write(List<String> lines);
  }

  private final MessageConsumer<RuntimeBus.LogChunk> consumer;

  private LogFollow(MessageConsumer<RuntimeBus.LogChunk> consumer) {
    this.consumer = consumer;
  }

  public record Request(String workload, String instance, List<LogFiles.Stream> streams, int tail, boolean follow) {}

  public static List<LogFiles.Stream> streams(String raw) {
    if (raw == null || raw.isEmpty() || raw.equals("both")) {
      return List.of(LogFiles.Stream.stdout, LogFiles.Stream.stderr);
    }
    return switch (raw) {
      case "stdout" -> List.of(LogFiles.Stream.stdout);
      case "stderr" -> List.of(LogFiles.Stream.stderr);
      default -> throw CairnException.invalid(List.of(new FieldError("stream", "must be stdout, stderr or both")));
    };
  }

  public static int tail(int requested, boolean given) {
    if (!given) {
      return DEFAULT_TAIL;
    }
    if (requested < 0 || requested > MAX_TAIL) {
      throw CairnException.invalid(List.of(new FieldError("tail", "must be between 0 and " + MAX_TAIL)));
    }
    return requested;
  }

  /**
   * Sends the tail through {@code sink}; resolves to a handle that keeps following when asked to.
   * Instances on this node ({@code localNode}) are read by its runtime; those on other nodes of a
   * cluster through the cluster component, which streams them over the peer service.
   */
  public static Future<LogFollow> open(Vertx vertx, String localNode, Duration timeout, String requestId, Request r,
      Sink sink) {
    return Bus.<WorkloadView>request(vertx, ReconcileBus.GET, new ReconcileBus.Get(r.workload()), timeout, requestId)
        .compose(view -> {
          List<InstanceStatus> chosen = view.instances().stream()
              .filter(i -> r.instance() == null || r.instance().isEmpty() || i.id().startsWith(r.instance()))
              .toList();
          if (r.instance() != null && !r.instance().isEmpty() && chosen.isEmpty()) {
            return Future.failedFuture(CairnException.notFound("instance", r.instance()));
          }
          if (chosen.isEmpty()) {
            return Future.succeededFuture(new LogFollow(null));
          }
          java.util.Map<String, List<String>> byNode = new java.util.TreeMap<>();
          chosen.forEach(i -> byNode.computeIfAbsent(i.nodeId(), n -> new java.util.ArrayList<>()).add(i.id()));
          String sinkAddress = r.follow() ? "cairn.api.logsink." + UUID.randomUUID() : null;
          MessageConsumer<RuntimeBus.LogChunk> consumer = sinkAddress == null ? null
              : vertx.eventBus().<RuntimeBus.LogChunk>localConsumer(sinkAddress, m ->
                  sink.write(m.body().lines()).onComplete(ar -> m.reply(ar.succeeded())));
          Future<Void> registered = consumer == null ? Future.succeededFuture() : consumer.completion();
          return registered
              .compose(v -> {
                List<Future<RuntimeBus.LogLines>> tails = new java.util.ArrayList<>();
                byNode.forEach((node, ids) -> {
                  RuntimeBus.Logs logs = new RuntimeBus.Logs(view.workload().name(), ids, r.streams(), r.tail(),
                      sinkAddress);
                  tails.add(node.equals(localNode)
                      ? Bus.request(vertx, new RuntimeBus(node).logs(), logs, timeout, requestId)
                      : Bus.request(vertx, io.cairn.cluster.ClusterBus.FORWARD_LOGS,
                          new io.cairn.cluster.ClusterBus.ForwardLogs(node, logs), timeout, requestId));
                });
                return Future.all(tails).map(all -> tails.stream().flatMap(t -> t.result().lines().stream()).toList());
              })
              .compose(lines -> lines.isEmpty() ? Future.succeededFuture() : sink.write(lines))
              .map(v -> new LogFollow(consumer))
              .onFailure(e -> {
                if (consumer != null) {
                  consumer.unregister();
                }
              });
        });
  }

  /** True when new lines will keep coming until {@link #close()}. */
  public boolean following() {
    return consumer != null;
  }

  public Future<Void> close() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }
}

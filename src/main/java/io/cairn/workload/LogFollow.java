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

  /** Sends the tail through {@code sink}; resolves to a handle that keeps following when asked to. */
  public static Future<LogFollow> open(Vertx vertx, Duration timeout, String requestId, Request r, Sink sink) {
    return Bus.<WorkloadView>request(vertx, ReconcileBus.GET, new ReconcileBus.Get(r.workload()), timeout, requestId)
        .compose(view -> {
          List<InstanceStatus> chosen = view.instances().stream()
              .filter(i -> r.instance() == null || r.instance().isEmpty() || i.id().startsWith(r.instance()))
              .toList();
          if (r.instance() != null && !r.instance().isEmpty() && chosen.isEmpty()) {
            return Future.failedFuture(CairnException.notFound("instance", r.instance()));
          }
          String node = chosen.isEmpty() ? null : chosen.get(0).nodeId();
          if (node == null) {
            return Future.succeededFuture(new LogFollow(null));
          }
          String sinkAddress = r.follow() ? "cairn.api.logsink." + UUID.randomUUID() : null;
          MessageConsumer<RuntimeBus.LogChunk> consumer = sinkAddress == null ? null
              : vertx.eventBus().<RuntimeBus.LogChunk>localConsumer(sinkAddress, m ->
                  sink.write(m.body().lines()).onComplete(ar -> m.reply(ar.succeeded())));
          List<String> ids = chosen.stream().map(InstanceStatus::id).toList();
          Future<Void> registered = consumer == null ? Future.succeededFuture() : consumer.completion();
          return registered
              .compose(v -> Bus.<RuntimeBus.LogLines>request(vertx, new RuntimeBus(node).logs(),
                  new RuntimeBus.Logs(view.workload().name(), ids, r.streams(), r.tail(), sinkAddress), timeout,
                  requestId))
              .compose(lines -> lines.lines().isEmpty() ? Future.succeededFuture() : sink.write(lines.lines()))
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

package io.cairn.workload;

import io.cairn.bus.Bus;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.reconcile.ReconcileBus;
import io.cairn.reconcile.WorkloadView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Follows workloads for a front end's watch stream: first the current state of each, then one
 * event per visible change. Changes arriving while the client is still being written to are
 * coalesced per workload, so a slow client holds at most one pending entry per workload.
 */
public final class WorkloadWatch {
  public enum Type { CURRENT, MODIFIED, DELETED }

  /** Writes one event; the next one waits for the returned future. */
  public interface Sink {
    Future<Void> send(Type type, WorkloadView view);
  }

  private final Vertx vertx;
  private final Duration timeout;
  private final String only;
  private final Sink sink;
  private final Set<String> pending = new LinkedHashSet<>();
  private final Map<String, WorkloadView> lastSent = new HashMap<>();
  private MessageConsumer<ReconcileBus.Changed> consumer;
  private boolean sending = true;
  private boolean closed;

  private WorkloadWatch(Vertx vertx, Duration timeout, String only, Sink sink) {
    this.vertx = vertx;
    this.timeout = timeout;
    this.only = only;
    this.sink = sink;
  }

  /** Starts watching {@code name}, or every workload when it is null or empty. */
  public static Future<WorkloadWatch> start(Vertx vertx, Duration timeout, String name, Sink sink) {
    WorkloadWatch w = new WorkloadWatch(vertx, timeout, name == null || name.isEmpty() ? null : name, sink);
    return w.begin().map(w);
  }

  private Future<Void> begin() {
    consumer = vertx.eventBus().localConsumer(ReconcileBus.CHANGED, m -> {
      if (only == null || only.equals(m.body().name())) {
        pending.add(m.body().name());
        drain();
      }
    });
    Future<java.util.List<WorkloadView>> initial = only != null
        ? Bus.<WorkloadView>request(vertx, ReconcileBus.GET, new ReconcileBus.Get(only), timeout, null)
            .map(java.util.List::of)
        : Bus.<ReconcileBus.Page>request(vertx, ReconcileBus.LIST,
            new ReconcileBus.ListWorkloads(null, null, 1000, null), timeout, null).map(ReconcileBus.Page::items);
    return consumer.completion().compose(v -> initial).compose(views -> {
      Future<Void> chain = Future.succeededFuture();
      for (WorkloadView view : views) {
        lastSent.put(view.workload().name(), view);
        chain = chain.compose(x -> sink.send(Type.CURRENT, view));
      }
      return chain;
    }).onComplete(ar -> {
      sending = false;
      drain();
    });
  }

  private void drain() {
    if (sending || closed || pending.isEmpty()) {
      return;
    }
    String name = pending.iterator().next();
    pending.remove(name);
    sending = true;
    Bus.<WorkloadView>request(vertx, ReconcileBus.GET, new ReconcileBus.Get(name), timeout, null)
        .transform(ar -> {
          if (ar.succeeded()) {
            WorkloadView before = lastSent.put(name, ar.result());
            boolean visible = before == null || !before.workload().equals(ar.result().workload())
                || !before.status().equals(ar.result().status()) || !before.instances().equals(ar.result().instances());
            return visible ? sink.send(Type.MODIFIED, ar.result()) : Future.<Void>succeededFuture();
          }
          WorkloadView before = lastSent.remove(name);
          boolean gone = CairnException.from(ar.cause()).code() == ErrorCode.NOT_FOUND;
          return gone && before != null ? sink.send(Type.DELETED, before) : Future.<Void>succeededFuture();
        })
        .onComplete(ar -> {
          sending = false;
          if (ar.failed()) {
            close();
          } else {
            drain();
          }
        });
  }

  public void close() {
    closed = true;
    if (consumer != null) {
      consumer.unregister();
    }
  }
}

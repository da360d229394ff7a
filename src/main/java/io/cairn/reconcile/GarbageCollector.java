package io.cairn.reconcile;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.bus.Bus;
import io.cairn.events.EventTypes;
import io.cairn.model.Event;
import io.cairn.model.Phase;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadStatus;
import io.cairn.runtime.ProcessDriver;
import io.cairn.runtime.RuntimeBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what no desired state owns: processes this node started whose instance is unknown, and
 * Failed workloads older than {@code gc.failedTtl}. Runs inside the reconciler's queue, so it never
 * races a start whose instance is not recorded yet.
 */
final class GarbageCollector {
  private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);

  private final Vertx vertx;
  private final Reconciler reconciler;
  private final RuntimeBus runtime;
  private final Duration failedTtl;
  private final Duration timeout;
  private final ReconcileMetrics metrics;

  private final String nodeId;

  GarbageCollector(Vertx vertx, Reconciler reconciler, String nodeId, Duration failedTtl, Duration timeout,
      ReconcileMetrics metrics) {
    this.vertx = vertx;
    this.reconciler = reconciler;
    this.runtime = new RuntimeBus(nodeId);
    this.nodeId = nodeId;
    this.failedTtl = failedTtl;
    this.timeout = timeout;
    this.metrics = metrics;
  }

  Future<Void> collect() {
    return reconciler.submit(() -> killOrphans().compose(v -> expireFailed()));
  }

  private Future<Void> killOrphans() {
    return Bus.<RuntimeBus.OwnedProcesses>request(vertx, runtime.scan(), new RuntimeBus.Scan(), timeout, null)
        .compose(owned -> {
          List<ProcessDriver.Owned> orphans = owned.processes().stream()
              .filter(p -> p.instanceId() == null || !reconciler.mem.instances.containsKey(p.instanceId())
                  || !nodeId.equals(reconciler.mem.instances.get(p.instanceId()).nodeId()))
              .toList();
          Future<Void> chain = Future.succeededFuture();
          for (ProcessDriver.Owned p : orphans) {
            chain = chain.compose(v -> Bus.<Boolean>request(vertx, runtime.signal(),
                    new RuntimeBus.Signal(p.instanceId(), p.pid(), p.startMillis(), true), timeout, null)
                .compose(killed -> {
                  if (!killed) {
                    return Future.succeededFuture();
                  }
                  metrics.collected("process", 1);
                  String reason = "killed orphan process " + p.pid() + " of instance " + p.instanceId()
                      + ", which is not placed on this node";
                  LOG.info("gc {} {} {}", kv("instance", p.instanceId()), kv("pid", p.pid()), kv("reason", reason));
                  return reconciler.commit(new Changes().event(Event.of(EventTypes.GC_COLLECTED, Event.Severity.Info,
                      p.workload(), p.instanceId(), reason, null)), null);
                }));
          }
          return chain;
        });
  }

  private Future<Void> expireFailed() {
    long cutoff = System.currentTimeMillis() - failedTtl.toMillis();
    List<Workload> expired = new ArrayList<>();
    for (Workload w : reconciler.mem.workloads.values()) {
      WorkloadStatus s = reconciler.mem.statuses.get(w.name());
      if (!w.deleting() && s != null && s.phase() == Phase.Failed && s.failedAt() != null && s.failedAt() < cutoff) {
        expired.add(w);
      }
    }
    Future<Void> chain = Future.succeededFuture();
    for (Workload w : expired) {
      String reason = "removed Failed workload after gc.failedTtl";
      chain = chain.compose(v -> reconciler.commit(new Changes()
              .putWorkload(new Workload(w.spec(), w.generation(), w.createdAt(),
                  System.currentTimeMillis(), true))
              .event(Event.of(EventTypes.GC_COLLECTED, Event.Severity.Info, w.name(), null, reason, null)), null))
          .compose(v -> {
            metrics.collected("workload", 1);
            LOG.info("gc {} {}", kv("workload", w.name()), kv("reason", reason));
            return reconciler.reconcile(w.name(), null);
          });
    }
    return chain;
  }
}

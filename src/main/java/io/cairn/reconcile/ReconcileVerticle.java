package io.cairn.reconcile;

import io.cairn.bus.Bus;
import io.cairn.config.CairnConfig;
import io.cairn.node.NodeResources;
import io.cairn.runtime.RuntimeBus;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** Wires the reconciler, the workload service and the garbage collector to the event bus and timers. */
public final class ReconcileVerticle extends VerticleBase {
  private final CairnConfig config;
  private final String nodeId;
  private final ReconcileMetrics metrics;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();
  private Reconciler reconciler;
  private Future<Void> firstPass;

  public ReconcileVerticle(CairnConfig config, String nodeId, ReconcileMetrics metrics) {
    this.config = config;
    this.nodeId = nodeId;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    StorageClient storage = new StorageClient(vertx, config.requestTimeout());
    reconciler = new Reconciler(vertx, nodeId, storage, config.requestTimeout(), metrics, config.minRestartBackoff(),
        config.cluster().enabled());
    if (config.cluster().enabled()) {
      consumers.add(vertx.eventBus().<io.cairn.storage.StorageBus.Applied>consumer(io.cairn.storage.StorageBus.APPLIED,
          m -> reconciler.onApplied(m.body())));
    }
    metrics.bind(reconciler.mem);
    LoadedView loaded = new LoadedView(reconciler, config.cluster().writeTimeout());
    WorkloadQueries queries = new WorkloadQueries(reconciler, loaded);
    WorkloadService service = new WorkloadService(vertx, reconciler,
        new Admission(config.cpuThresholdPercent(), config.memoryThresholdPercent(), config.diskThresholdPercent()),
        new NodeResources(config.dataDir()),
        new io.cairn.workload.ManifestValidator.Policy(config.minRestartBackoff().toMillis(),
            config.runtime().allowedDirs()), config.cluster().enabled(),
        config.cluster().enabled() ? clusterOrder(storage) : CommittedOrder.LOCAL,
        loaded);
    GarbageCollector gc = new GarbageCollector(vertx, reconciler, nodeId, config.gcFailedTtl(),
        config.requestTimeout(), metrics);

    consumers.add(vertx.eventBus().<RuntimeBus.Exited>consumer(new RuntimeBus(nodeId).exited(),
        m -> reconciler.onExit(m.body())));
    this.<ReconcileBus.Apply>serve(ReconcileBus.APPLY, (m, rid) -> service.apply(m, rid));
    this.<ReconcileBus.Get>serve(ReconcileBus.GET, (m, rid) -> queries.get(m.name()));
    this.<ReconcileBus.ListWorkloads>serve(ReconcileBus.LIST, (m, rid) -> queries.list(m));
    this.<ReconcileBus.Delete>serve(ReconcileBus.DELETE, (m, rid) -> service.delete(m.name(), rid));
    this.<ReconcileBus.Scale>serve(ReconcileBus.SCALE, (m, rid) -> service.scale(m, rid));
    this.<ReconcileBus.Retry>serve(ReconcileBus.RETRY, (m, rid) -> service.retry(m.name(), rid));
    this.<ReconcileBus.ReadsQuery>serve(ReconcileBus.READS, (m, rid) -> Future.succeededFuture(reconciler.reads()));
    this.<ReconcileBus.HealthQuery>serve(ReconcileBus.HEALTH, (m, rid) -> Future.succeededFuture(reconciler.health()));

    // The first pass (load, adopt, reconcile) runs in the background: readiness reports it.
    // In a cluster it waits until this node has caught up with the log, so it never acts on stale state.
    Future<Void> caughtUp = config.cluster().enabled() ? awaitCaughtUp() : Future.succeededFuture();
    firstPass = caughtUp.compose(v -> reconciler.start()).onFailure(e -> org.slf4j.LoggerFactory.getLogger(ReconcileVerticle.class)
        .error("first reconcile pass failed: {}", e.getMessage()));
    timers.add(vertx.setPeriodic(config.reconcileInterval().toMillis(), id -> reconciler.reconcileAll()));
    timers.add(vertx.setPeriodic(config.gcInterval().toMillis(), id -> gc.collect()));
    return Future.succeededFuture();
  }

  /** A cluster member's view follows the applied log: wait for an index there, or for the leader's read index. */
  private CommittedOrder clusterOrder(StorageClient storage) {
    return new CommittedOrder() {
      @Override
      public Future<Void> applied(long index, String requestId) {
        return storage.awaitApplied(index, config.cluster().writeTimeout(), requestId).mapEmpty();
      }

      @Override
      public Future<Void> current(String requestId) {
        return Bus.<Boolean>request(vertx, io.cairn.cluster.ClusterBus.READ_INDEX, new io.cairn.cluster.ClusterBus.ReadIndex(),
            config.requestTimeout(), requestId).mapEmpty();
      }
    };
  }

  private Future<Void> awaitCaughtUp() {
    return Bus.<Boolean>request(vertx, io.cairn.cluster.ClusterBus.CAUGHT_UP, new io.cairn.cluster.ClusterBus.CaughtUp(),
            java.time.Duration.ofSeconds(5), null)
        .<Void>mapEmpty()
        .recover(e -> stopped ? Future.failedFuture(e) : awaitCaughtUp());
  }

  private volatile boolean stopped;

  private <T> void serve(String address, BiFunction<T, String, Future<?>> handler) {
    consumers.add(Bus.serveAsync(vertx, address, handler));
  }

  /** Completes when state is loaded, live processes adopted and every workload reconciled once. */
  public Future<Void> firstPass() {
    return firstPass;
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    timers.forEach(vertx::cancelTimer);
    reconciler.stopTimers();
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}

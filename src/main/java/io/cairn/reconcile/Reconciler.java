package io.cairn.reconcile;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.bus.Bus;
import io.cairn.events.EventTypes;
import io.cairn.model.Event.Severity;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Phase;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadStatus;
import io.cairn.registry.RegistryBus;
import io.cairn.runtime.RuntimeBus;
import io.cairn.storage.StorageBus;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives each workload's instances towards its spec. Three parts: the {@link AppliedView} of the
 * control state, the pure {@link Planner} (desired vs actual for this node) and the
 * {@link InstanceExecutor} (processes and commits). This class coordinates them: every operation
 * runs through one {@link SerialQueue} on the event loop, triggered by API calls, process exits,
 * changes other nodes committed, timers and the periodic pass.
 */
public final class Reconciler {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  /** The reason an instance killed for exceeding its memory limit ends with, as Kubernetes names it. */
  public static final String OOM_KILLED = "OOMKilled";

  private final AppliedView view;
  final WorkloadView.Memory mem;
  private final Vertx vertx;
  private final String nodeId;
  private final StorageClient storage;
  private final Duration timeout;
  private final ReconcileMetrics metrics;
  private final Placer placer;
  private final InstanceExecutor executor;
  private final SerialQueue queue = new SerialQueue();
  private final Map<String, Long> wakeAt = new HashMap<>();
  private final Map<String, Long> wakeTimers = new HashMap<>();
  /** Workloads with a reconcile waiting in the queue: asking again adds nothing. */
  private final java.util.Set<String> queuedReconciles = new java.util.HashSet<>();
  /** Cluster mode: workloads whose status may have changed, written together by the next flush. */
  private final java.util.Set<String> staleStatuses = new java.util.LinkedHashSet<>();
  private boolean statusFlushQueued;
  private final boolean clustered;
  private volatile boolean firstPassDone;
  private volatile long passes;
  private volatile Long lastPassAt;

  public Reconciler(Vertx vertx, String nodeId, StorageClient storage, Duration timeout, ReconcileMetrics metrics,
      Duration minRestartBackoff) {
    this(vertx, nodeId, storage, timeout, metrics, minRestartBackoff, false);
  }

  /** {@code clustered}: instances are placed by the Raft leader and each node runs only its own. */
  public Reconciler(Vertx vertx, String nodeId, StorageClient storage, Duration timeout, ReconcileMetrics metrics,
      Duration minRestartBackoff, boolean clustered) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.storage = storage;
    this.timeout = timeout;
    this.metrics = metrics;
    this.clustered = clustered;
    this.view = new AppliedView(nodeId, clustered);
    this.mem = view.mem;
    this.placer = clustered ? Placer.raftLeader(vertx, nodeId, timeout) : Placer.singleNode(nodeId);
    this.executor = new InstanceExecutor(vertx, nodeId, storage, timeout, metrics, minRestartBackoff.toMillis(), mem,
        this::wakeAt);
  }

  public record Health(boolean firstPassDone, long passes, Long lastPassAt) {}

  public Health health() {
    return new Health(firstPassDone, passes, lastPassAt);
  }

  /** The views front ends read without asking: published by this reconciler as its view changes. */
  public WorkloadReads reads() {
    return mem.published;
  }

  /** Completes once the state was first loaded: until then there is nothing to answer from. */
  Future<Void> loaded() {
    return view.loaded();
  }

  /** Queues an operation behind every other state change. */
  public <T> Future<T> submit(Supplier<Future<T>> operation) {
    return queue.submit(operation);
  }

  /** Loads state, re-attaches to processes that outlived the previous agent, then reconciles everything. */
  public Future<Void> start() {
    return submit(() -> view.load(storage).compose(v -> adoptAll()).compose(v -> reconcileEverything()))
        .onSuccess(v -> firstPassDone = true);
  }

  private boolean mine(InstanceStatus inst) {
    return nodeId.equals(inst.nodeId());
  }

  /** Only this node's instances are adopted: one placed elsewhere meanwhile is an orphan the GC stops. */
  private Future<Void> adoptAll() {
    Future<Void> chain = Future.succeededFuture();
    for (InstanceStatus inst : List.copyOf(mem.instances.values())) {
      if (!inst.hasProcess() || !mine(inst)) {
        continue;
      }
      chain = chain.compose(v -> Bus.<Boolean>request(vertx, executor.runtime().adopt(),
              new RuntimeBus.Adopt(inst.id(), inst.pid(), inst.processStartMillis()), timeout, null)
          .compose(alive -> {
            if (alive) {
              LOG.info("adopted running instance {} {} {}", kv("workload", inst.workload()), kv("instance", inst.id()),
                  kv("pid", inst.pid()));
              return commit(new Changes().event(InstanceExecutor.event(EventTypes.INSTANCE_ADOPTED, Severity.Info, inst,
                  "process " + inst.pid() + " still running after agent restart", null)), null);
            }
            return executor.exited(inst, null, "process " + inst.pid() + " ended while the agent was down", null);
          }));
    }
    return chain;
  }

  /** Cluster mode: control state another node committed was applied here; reconcile what it touched. */
  public void onApplied(StorageBus.Applied applied) {
    if (applied.reload()) {
      submit(() -> view.load(storage).compose(v -> reconcileEverything()));
      return;
    }
    AppliedView.Touched touched = view.apply(applied);
    if (!touched.placed().isEmpty()) { // a cluster event: every node records the leader's placements
      Changes events = new Changes();
      touched.placed().forEach(i -> events.event(InstanceExecutor.event(EventTypes.INSTANCE_PLACED, Severity.Info, i,
          "cluster event (log index " + applied.index() + "): placed on node " + i.nodeId(), null)));
      commit(events, null);
    }
    for (String removed : touched.removedWorkloads()) {
      // every node removes the logs its own instances left
      Bus.request(vertx, executor.runtime().deleteLogs(), new RuntimeBus.DeleteLogs(removed), timeout, null);
    }
    touched.workloads().forEach(name -> vertx.eventBus().publish(ReconcileBus.CHANGED, new ReconcileBus.Changed(name)));
    if (!firstPassDone) {
      return;
    }
    if (touched.nodes()) {
      reconcileAll(); // a node came or went: instances waiting for a place may have one now
    } else {
      touched.workloads().forEach(this::reconcileLater);
    }
  }

  /** One periodic pass over every workload. */
  public Future<Void> reconcileAll() {
    return submit(this::reconcileEverything);
  }

  private Future<Void> reconcileEverything() {
    long started = System.nanoTime();
    Future<Void> chain = Future.succeededFuture();
    for (String name : List.copyOf(mem.workloads.keySet())) {
      chain = chain.compose(v -> reconcile(name, null).recover(e -> {
        LOG.warn("reconcile failed {} {}", kv("workload", name), kv("error", e.getMessage()));
        return Future.succeededFuture();
      }));
    }
    return chain.onComplete(ar -> {
      syncLocations();
      passes++;
      lastPassAt = System.currentTimeMillis();
      metrics.recordPass(System.nanoTime() - started);
    });
  }

  public Future<Void> reconcileLater(String name) {
    if (!queuedReconciles.add(name)) {
      return Future.succeededFuture();
    }
    return submit(() -> {
      queuedReconciles.remove(name);
      return reconcile(name, null);
    });
  }

  /** Process exits arrive from the runtime; each is queued like any other change. */
  public void onExit(RuntimeBus.Exited exit) {
    submit(() -> {
      InstanceStatus inst = mem.instances.get(exit.instanceId());
      if (inst == null || !Objects.equals(inst.pid(), exit.pid())) {
        return Future.succeededFuture();
      }
      String how = exit.oomKilled() ? OOM_KILLED + ": killed for exceeding its memory limit (exit code "
          + exit.exitCode() + ")"
          : exit.exitCode() == null ? "exited (status unknown: adopted process)"
          : "exited with code " + exit.exitCode();
      return executor.exited(inst, exit.exitCode(), how, null).compose(v -> reconcile(inst.workload(), null));
    }).onFailure(e -> LOG.warn("handling exit of {} failed: {}", exit.instanceId(), e.getMessage()));
  }

  /**
   * Brings one workload's instances in line with its spec. Call only from inside the queue. This
   * node stops and starts only instances placed on it; the placing node (the only one on a single
   * node, the Raft leader in a cluster) also places missing instances and writes the workload's status.
   */
  Future<Void> reconcile(String name, String requestId) {
    if (!mem.workloads.containsKey(name)) {
      return Future.succeededFuture();
    }
    return placer.placingTerm().recover(e -> Future.succeededFuture(null)).compose(term -> {
      Workload w = mem.workloads.get(name);
      return w == null ? Future.succeededFuture() : reconcile(w, term, requestId);
    });
  }

  private Future<Void> reconcile(Workload w, Long placingTerm, String requestId) {
    List<Planner.Step> steps = Planner.plan(w, mem.instancesOf(w.name()), isFailed(w.name()), nodeId,
        placingTerm != null, planned -> placer.choose(w, mem, planned),
        ordinal -> w.name() + "-" + ordinal + "-" + UUID.randomUUID().toString().substring(0, 5),
        System.currentTimeMillis());
    // a cluster's placements of one pass go out as one command
    List<InstanceStatus> placements = placingTerm == null || placingTerm == 0 ? List.of()
        : steps.stream().filter(st -> st instanceof Planner.Place).map(st -> ((Planner.Place) st).instance()).toList();
    Future<Void> chain = placements.isEmpty() ? Future.succeededFuture()
        : executor.place(placements, placingTerm, requestId);
    for (Planner.Step step : steps) {
      chain = chain.compose(v -> switch (step) {
        case Planner.Stop s -> executor.stop(w, s.instance(), requestId);
        case Planner.Place p -> !mine(p.instance()) ? Future.succeededFuture()
            : executor.launch(w, p.instance(), false, requestId); // single node: recorded once it runs
        case Planner.Launch l -> executor.launch(w, l.instance(), false, requestId);
        case Planner.Relaunch r -> executor.launch(w, r.instance().withRestarts(r.instance().restarts() + 1), true,
            requestId);
        case Planner.WakeAt at -> {
          wakeAt(w.name(), at.at());
          yield Future.succeededFuture();
        }
      });
    }
    if (placingTerm == null) {
      return chain;
    }
    return chain.compose(v -> {
      Workload now = mem.workloads.get(w.name());
      if (now == null) {
        return Future.succeededFuture();
      }
      if (now.deleting()) {
        return executor.finishDeleteIfStopped(now, requestId);
      }
      if (!clustered) {
        return executor.updateStatus(now.name(), requestId);
      }
      statusMayHaveChanged(now.name());
      return Future.succeededFuture();
    });
  }

  /**
   * Cluster mode: a status write is a round of the Raft log, so statuses are written in batches:
   * the flush is queued behind the reconciles waiting now and writes every status they changed in
   * one command.
   */
  private void statusMayHaveChanged(String name) {
    staleStatuses.add(name);
    if (!statusFlushQueued) {
      statusFlushQueued = true;
      submit(() -> {
        statusFlushQueued = false;
        List<String> names = List.copyOf(staleStatuses);
        staleStatuses.clear();
        return executor.updateStatuses(names, null);
      }).onFailure(e -> LOG.warn("writing workload statuses failed: {}", e.getMessage()));
    }
  }

  private boolean isFailed(String name) {
    WorkloadStatus s = mem.statuses.get(name);
    return s != null && s.phase() == Phase.Failed;
  }

  /** Wakes the workload's reconcile at {@code at}, keeping only the soonest pending wake-up. */
  private void wakeAt(String name, long at) {
    Long existing = wakeAt.get(name);
    if (existing != null && existing <= at) {
      return;
    }
    Long timer = wakeTimers.remove(name);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
    wakeAt.put(name, at);
    long delay = Math.max(1, at - System.currentTimeMillis());
    wakeTimers.put(name, vertx.setTimer(delay, id -> {
      wakeAt.remove(name);
      wakeTimers.remove(name);
      reconcileLater(name);
    }));
  }

  Future<Void> commit(Changes changes, String requestId) {
    return executor.commit(changes, requestId, 0);
  }

  /**
   * Tells the registry the complete set of instances running here: adopted ones after a restart,
   * and a repair for any claim lost on the way. The registry only acts on differences.
   */
  private void syncLocations() {
    java.util.Set<String> live = new java.util.HashSet<>();
    mem.instances.values().forEach(i -> {
      if (i.state().isLive() && mine(i)) {
        live.add(i.id());
      }
    });
    vertx.eventBus().send(RegistryBus.SYNC, new RegistryBus.Sync(RegistryBus.Kind.instance, live));
  }

  public void stopTimers() {
    wakeTimers.values().forEach(vertx::cancelTimer);
    wakeTimers.clear();
    wakeAt.clear();
  }
}

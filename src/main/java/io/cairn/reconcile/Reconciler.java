package io.cairn.reconcile;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.bus.Bus;
import io.cairn.events.EventTypes;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Event;
import io.cairn.model.Event.Severity;
import io.cairn.model.InstanceState;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Phase;
import io.cairn.model.RestartMode;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadSpec;
import io.cairn.model.WorkloadStatus;
import io.cairn.registry.RegistryBus;
import io.cairn.runtime.ProcessDriver;
import io.cairn.runtime.RuntimeBus;
import io.cairn.state.Table;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives each workload's instances towards its spec: starts missing ones, stops extra or stale
 * ones, restarts exited ones per restart policy, and computes the workload's phase. It is the only
 * writer of status. Every operation runs through one {@link SerialQueue}, on the event loop; the
 * blocking parts (storage, processes) are requests to worker verticles.
 */
public final class Reconciler {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

  final WorkloadView.Memory mem = new WorkloadView.Memory();
  private final Vertx vertx;
  private final String nodeId;
  private final StorageClient storage;
  private final RuntimeBus runtime;
  private final Duration timeout;
  private final ReconcileMetrics metrics;
  private final SerialQueue queue = new SerialQueue();
  private final Map<String, Long> wakeAt = new HashMap<>();
  private final Map<String, Long> wakeTimers = new HashMap<>();
  private volatile boolean firstPassDone;
  private volatile long passes;
  private volatile Long lastPassAt;

  private final long minRestartBackoffMs;
  /** The reason an instance killed for exceeding its memory limit ends with, as Kubernetes names it. */
  public static final String OOM_KILLED = "OOMKilled";

  private final Placer placer;
  private final boolean clustered;

  public Reconciler(Vertx vertx, String nodeId, StorageClient storage, Duration timeout, ReconcileMetrics metrics,
      Duration minRestartBackoff) {
    this(vertx, nodeId, storage, timeout, metrics, minRestartBackoff, false);
  }

  /** {@code clustered}: instances are placed by the Raft leader and each node runs only its own. */
  public Reconciler(Vertx vertx, String nodeId, StorageClient storage, Duration timeout, ReconcileMetrics metrics,
      Duration minRestartBackoff, boolean clustered) {
    this.clustered = clustered;
    this.placer = clustered ? Placer.raftLeader(vertx, nodeId, timeout) : Placer.singleNode(nodeId);
    this.minRestartBackoffMs = minRestartBackoff.toMillis();
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.storage = storage;
    this.runtime = new RuntimeBus(nodeId);
    this.timeout = timeout;
    this.metrics = metrics;
  }

  public record Health(boolean firstPassDone, long passes, Long lastPassAt) {}

  public Health health() {
    return new Health(firstPassDone, passes, lastPassAt);
  }

  /** Queues an operation behind every other state change. */
  public <T> Future<T> submit(Supplier<Future<T>> operation) {
    return queue.submit(operation);
  }

  /** Loads state, re-attaches to processes that outlived the previous agent, then reconciles everything. */
  public Future<Void> start() {
    return submit(() -> load().compose(v -> adoptAll()).compose(v -> reconcileEverything()))
        .onSuccess(v -> firstPassDone = true);
  }

  private Future<Void> load() {
    return storage.<Workload>scanAll(Table.WORKLOADS, "")
        .onSuccess(list -> list.forEach(w -> mem.workloads.put(w.name(), w)))
        .compose(v -> storage.<WorkloadStatus>scanAll(Table.WORKLOAD_STATUS, ""))
        .onSuccess(list -> list.forEach(s -> mem.statuses.put(s.name(), s)))
        .compose(v -> storage.<InstanceStatus>scanAll(Table.INSTANCES, ""))
        .onSuccess(list -> list.forEach(i -> mem.instances.put(i.id(), i)))
        .compose(v -> clustered ? storage.<io.cairn.cluster.NodeRecord>scanAll(Table.NODES, "")
            .onSuccess(list -> list.forEach(n -> mem.nodes.put(n.id(), n))).<Void>mapEmpty() : Future.succeededFuture())
        .mapEmpty();
  }

  private boolean mine(InstanceStatus inst) {
    return nodeId.equals(inst.nodeId());
  }

  /**
   * Cluster mode: control state another node committed has been applied here. The view takes it at
   * once (reads on this node see it), and the workloads it touched are reconciled. This node's own
   * commits were applied to the view when they returned.
   */
  public void onApplied(io.cairn.storage.StorageBus.Applied applied) {
    if (applied.reload()) {
      submit(() -> {
        mem.workloads.clear();
        mem.statuses.clear();
        mem.instances.clear();
        mem.nodes.clear();
        return load().compose(v -> reconcileEverything());
      });
      return;
    }
    // this node's own workload writes reached the view when they returned; node records never do
    boolean own = nodeId.equals(applied.proposer());
    java.util.Set<String> touched = new java.util.LinkedHashSet<>();
    boolean nodesChanged = false;
    for (io.cairn.storage.StorageBus.Change c : applied.changes()) {
      if (own && c.table() != Table.NODES) {
        continue;
      }
      switch (c.table()) {
        case WORKLOADS -> {
          touched.add(c.key());
          if (c.value() == null) {
            mem.workloads.remove(c.key());
            // every node removes the logs its own instances left
            Bus.request(vertx, runtime.deleteLogs(), new RuntimeBus.DeleteLogs(c.key()), timeout, null);
          } else {
            mem.workloads.put(c.key(), (Workload) c.value());
          }
        }
        case WORKLOAD_STATUS -> {
          touched.add(c.key());
          if (c.value() == null) {
            mem.statuses.remove(c.key());
          } else {
            mem.statuses.put(c.key(), (WorkloadStatus) c.value());
          }
        }
        case INSTANCES -> {
          InstanceStatus old = mem.instances.get(c.key());
          if (c.value() == null) {
            mem.instances.remove(c.key());
          } else {
            mem.instances.put(c.key(), (InstanceStatus) c.value());
          }
          InstanceStatus any = c.value() != null ? (InstanceStatus) c.value() : old;
          if (any != null) {
            touched.add(any.workload());
          }
        }
        case NODES -> {
          if (c.value() == null) {
            mem.nodes.remove(c.key());
          } else {
            mem.nodes.put(c.key(), (io.cairn.cluster.NodeRecord) c.value());
          }
          nodesChanged = true;
        }
        default -> { }
      }
    }
    if (nodesChanged && firstPassDone) {
      reconcileAll(); // a node came or went: instances waiting for a place may have one now
    }
    if (touched.isEmpty()) {
      return;
    }
    mem.revision++;
    touched.forEach(name -> {
      vertx.eventBus().publish(ReconcileBus.CHANGED, new ReconcileBus.Changed(name));
      if (firstPassDone) {
        reconcileLater(name);
      }
    });
  }

  /** An instance whose process is alive (same pid, start time and marker) is kept; others count as exited. */
  private Future<Void> adoptAll() {
    Future<Void> chain = Future.succeededFuture();
    for (InstanceStatus inst : List.copyOf(mem.instances.values())) {
      if (!inst.hasProcess() || !mine(inst)) {
        continue;
      }
      chain = chain.compose(v -> Bus.<Boolean>request(vertx, runtime.adopt(),
              new RuntimeBus.Adopt(inst.id(), inst.pid(), inst.processStartMillis()), timeout, null)
          .compose(alive -> {
            if (alive) {
              LOG.info("adopted running instance {} {} {}", kv("workload", inst.workload()), kv("instance", inst.id()),
                  kv("pid", inst.pid()));
              return commit(new Changes().event(event(EventTypes.INSTANCE_ADOPTED, Severity.Info, inst,
                  "process " + inst.pid() + " still running after agent restart", null)), null);
            }
            return exited(inst, null, "process " + inst.pid() + " ended while the agent was down", null);
          }));
    }
    return chain;
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
    return submit(() -> reconcile(name, null));
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
      return exited(inst, exit.exitCode(), how, null).compose(v -> reconcile(inst.workload(), null));
    }).onFailure(e -> LOG.warn("handling exit of {} failed: {}", exit.instanceId(), e.getMessage()));
  }

  /** Records an instance's end and decides, by restart policy and budget, what becomes of it. */
  private Future<Void> exited(InstanceStatus inst, Integer code, String how, String requestId) {
    Workload w = mem.workloads.get(inst.workload());
    Changes changes = new Changes();
    if (w == null || w.deleting() || inst.state() == InstanceState.Stopping || inst.ordinal() >= w.spec().replicas()
        || !inst.launchHash().equals(launchHash(w.spec()))) {
      changes.deleteInstance(mem, inst.id())
          .event(event(EventTypes.INSTANCE_EXITED, Severity.Info, inst, "stopped: " + how, null));
      LOG.info("instance stopped {} {} {}", kv("workload", inst.workload()), kv("instance", inst.id()), kv("how", how));
      return commit(changes, requestId);
    }
    WorkloadSpec.RestartPolicy policy = w.spec().restartPolicy();
    boolean success = code != null && code == 0;
    if (policy.mode() == RestartMode.Never || (policy.mode() == RestartMode.OnFailure && success)) {
      InstanceState end = success ? InstanceState.Succeeded : InstanceState.Failed;
      changes.putInstance(mem, inst.exited(end, code, null, how))
          .event(event(EventTypes.INSTANCE_EXITED, success ? Severity.Info : Severity.Warning, inst, how, null));
      if (!success) {
        failWorkload(changes, w, "instance " + inst.id() + " " + how + " (restartPolicy " + policy.mode() + ")");
      }
    } else if (inst.restarts() >= policy.maxRestarts()) {
      String reason = "instance " + inst.id() + " " + how + " after " + inst.restarts()
          + " restarts (maxRestarts " + policy.maxRestarts() + ")";
      changes.putInstance(mem, inst.exited(InstanceState.Failed, code, null, how))
          .event(event(EventTypes.INSTANCE_FAILED, Severity.Error, inst, reason, null));
      failWorkload(changes, w, reason);
    } else {
      // the floor also holds for specs stored before it was raised
      long delay = Math.max(minRestartBackoffMs, RestartBackoff.delayMillis(policy, inst.restarts()));
      long at = System.currentTimeMillis() + delay;
      changes.putInstance(mem, inst.exited(InstanceState.BackOff, code, at, how))
          .event(event(EventTypes.INSTANCE_EXITED, Severity.Warning, inst, how + "; restarting in " + delay + "ms",
              null));
      LOG.info("instance exited, restart scheduled {} {} {} {}", kv("workload", w.name()), kv("instance", inst.id()),
          kv("how", how), kv("delayMs", delay));
    }
    return commit(changes, requestId);
  }

  private void failWorkload(Changes changes, Workload w, String reason) {
    WorkloadStatus s = mem.statuses.getOrDefault(w.name(), WorkloadStatus.pending(w.name(), w.generation()));
    changes.putStatus(mem, new WorkloadStatus(w.name(), Phase.Failed, s.readyReplicas(), reason,
            System.currentTimeMillis(), w.generation()))
        .event(Event.of(EventTypes.WORKLOAD_FAILED, Severity.Error, w.name(), null, reason, null));
    LOG.warn("workload failed {} {}", kv("workload", w.name()), kv("reason", reason));
    // (the requestId, when a request caused this, is on the events committed with it)
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
    String name = w.name();
    Future<Void> steps = Future.succeededFuture();
    String hash = launchHash(w.spec());
    List<InstanceStatus> instances = mem.instancesOf(name);
    for (InstanceStatus inst : instances) {
      boolean unwanted = w.deleting() || inst.ordinal() >= w.spec().replicas() || !inst.launchHash().equals(hash);
      if (unwanted && mine(inst)) {
        steps = steps.compose(v -> stop(w, inst, requestId));
      }
    }
    if (!w.deleting() && !isFailed(name)) {
      for (int ordinal = 0; ordinal < w.spec().replicas(); ordinal++) {
        int slot = ordinal;
        steps = steps.compose(v -> fillSlot(w, slot, hash, placingTerm, requestId));
      }
    }
    if (placingTerm == null) {
      return steps;
    }
    return steps.compose(v -> w.deleting() ? finishDeleteIfStopped(w, requestId) : updateStatus(name, requestId));
  }

  private boolean isFailed(String name) {
    WorkloadStatus s = mem.statuses.get(name);
    return s != null && s.phase() == Phase.Failed;
  }

  private Future<Void> fillSlot(Workload w, int ordinal, String hash, Long placingTerm, String requestId) {
    List<InstanceStatus> inSlot = mem.instancesOf(w.name()).stream().filter(i -> i.ordinal() == ordinal).toList();
    InstanceStatus current = inSlot.stream().filter(i -> i.launchHash().equals(hash)).findFirst().orElse(null);
    boolean oldStillStopping = inSlot.stream().anyMatch(i -> i.state() == InstanceState.Stopping);
    if (current == null) {
      if (oldStillStopping || placingTerm == null) {
        return Future.succeededFuture(); // the replacement waits for the old process to go; or another node places
      }
      String target = placer.choose(w, mem);
      if (target == null) {
        LOG.warn("no Ready node to place on {} {}", kv("workload", w.name()), kv("ordinal", ordinal));
        return Future.succeededFuture();
      }
      String id = w.name() + "-" + ordinal + "-" + UUID.randomUUID().toString().substring(0, 5);
      InstanceStatus placed = InstanceStatus.pending(id, w.name(), ordinal, target, hash);
      if (placingTerm == 0 && target.equals(nodeId)) {
        return launch(w, placed, false, requestId); // single node: recorded once it runs
      }
      // a placement: written under the leader's term, so a deposed leader's placement is refused
      LOG.info("instance placed {} {} {}", kv("workload", w.name()), kv("instance", id), kv("node", target));
      return commit(new Changes().putInstance(mem, placed), requestId, placingTerm)
          .compose(v -> target.equals(nodeId) ? launch(w, placed, false, requestId) : Future.succeededFuture());
    }
    if (!mine(current)) {
      return Future.succeededFuture(); // its node runs it
    }
    return switch (current.state()) {
      case Pending -> launch(w, current, false, requestId);
      case BackOff -> {
        long now = System.currentTimeMillis();
        if (current.nextRestartAt() == null || current.nextRestartAt() <= now) {
          yield launch(w, current.withRestarts(current.restarts() + 1), true, requestId);
        }
        wakeAt(w.name(), current.nextRestartAt());
        yield Future.succeededFuture();
      }
      default -> Future.succeededFuture();
    };
  }

  private Future<Void> launch(Workload w, InstanceStatus inst, boolean restart, String requestId) {
    WorkloadSpec spec = w.spec();
    ProcessDriver.Launch launch = new ProcessDriver.Launch(inst.id(), w.name(), spec.argv(), spec.env(),
        spec.workingDir(), spec.resources().memoryBytes(), spec.resources().cpuMillis());
    return Bus.<RuntimeBus.Launched>request(vertx, runtime.start(), new RuntimeBus.Start(launch), timeout, null)
        .compose(started -> {
          InstanceStatus running = inst.running(started.pid(), started.startMillis(), System.currentTimeMillis(),
              inst.launchHash());
          if (restart) {
            metrics.restarted();
          }
          LOG.info("instance {} {} {} {} {}", restart ? "restarted" : "started", kv("workload", w.name()),
              kv("instance", inst.id()), kv("pid", started.pid()), kv("requestId", requestId));
          return commit(new Changes().putInstance(mem, running).event(event(
              restart ? EventTypes.INSTANCE_RESTARTED : EventTypes.INSTANCE_STARTED, Severity.Info, running,
              "pid " + started.pid() + (restart ? ", restart " + inst.restarts() : ""), null)), requestId);
        }, failure -> {
          CairnException ce = CairnException.from(failure);
          if (ce.code() != ErrorCode.EXEC_FAILED) {
            LOG.warn("instance start deferred {} {} {}", kv("workload", w.name()), kv("instance", inst.id()),
                kv("error", ce.getMessage()));
            return Future.succeededFuture();
          }
          Changes changes = new Changes()
              .putInstance(mem, inst.exited(InstanceState.Failed, null, null, ce.getMessage()))
              .event(event(EventTypes.INSTANCE_FAILED, Severity.Error, inst, ce.getMessage(), null));
          failWorkload(changes, w, ce.getMessage());
          return commit(changes, requestId);
        });
  }

  /** SIGTERM first; SIGKILL once the stop grace period has passed; gone once the exit is seen. */
  private Future<Void> stop(Workload w, InstanceStatus inst, String requestId) {
    if (!inst.hasProcess()) {
      return commit(new Changes().deleteInstance(mem, inst.id()), requestId);
    }
    long now = System.currentTimeMillis();
    if (inst.state() == InstanceState.Stopping) {
      if (inst.stopDeadline() != null && now < inst.stopDeadline()) {
        wakeAt(w.name(), inst.stopDeadline());
        return Future.succeededFuture();
      }
      LOG.info("stop grace period over, killing {} {}", kv("workload", w.name()), kv("instance", inst.id()));
      return signal(inst, true).compose(found -> found ? Future.succeededFuture()
          : exited(inst, null, "was already gone", requestId));
    }
    long deadline = now + w.spec().stopGracePeriodMs();
    return commit(new Changes().putInstance(mem, inst.stopping(deadline)), requestId)
        .compose(v -> signal(inst, false))
        .compose(found -> {
          wakeAt(w.name(), deadline);
          return found ? Future.succeededFuture() : exited(mem.instances.get(inst.id()), null, "was already gone", requestId);
        });
  }

  private Future<Boolean> signal(InstanceStatus inst, boolean force) {
    return Bus.request(vertx, runtime.signal(),
        new RuntimeBus.Signal(inst.id(), inst.pid(), inst.processStartMillis(), force), timeout, null);
  }

  private Future<Void> finishDeleteIfStopped(Workload w, String requestId) {
    if (!mem.instancesOf(w.name()).isEmpty()) {
      return updateStatus(w.name(), requestId);
    }
    LOG.info("workload removed {}", kv("workload", w.name()));
    return commit(new Changes().deleteWorkload(mem, w.name()), requestId)
        .compose(v -> Bus.request(vertx, runtime.deleteLogs(), new RuntimeBus.DeleteLogs(w.name()), timeout, null))
        .mapEmpty();
  }

  private Future<Void> updateStatus(String name, String requestId) {
    Workload w = mem.workloads.get(name);
    WorkloadStatus old = mem.statuses.getOrDefault(name, WorkloadStatus.pending(name, w.generation()));
    WorkloadStatus next = computeStatus(w, old, mem.instancesOf(name));
    if (next.equals(old) && mem.statuses.containsKey(name)) {
      return Future.succeededFuture();
    }
    if (next.phase() != old.phase()) {
      LOG.info("workload phase {} {} {}", kv("workload", name), kv("from", old.phase()), kv("to", next.phase()));
    }
    return commit(new Changes().putStatus(mem, next), requestId);
  }

  static WorkloadStatus computeStatus(Workload w, WorkloadStatus old, List<InstanceStatus> instances) {
    int replicas = w.spec().replicas();
    List<InstanceStatus> desired = instances.stream()
        .filter(i -> i.ordinal() < replicas && i.state() != InstanceState.Stopping).toList();
    int ready = (int) desired.stream().filter(i -> i.state() == InstanceState.Running).count();
    Phase phase;
    if (w.deleting()) {
      phase = Phase.Stopping;
    } else if (old.phase() == Phase.Failed) {
      return new WorkloadStatus(w.name(), Phase.Failed, ready, old.failureReason(), old.failedAt(), w.generation());
    } else if (replicas > 0 && desired.size() == replicas
        && desired.stream().allMatch(i -> i.state() == InstanceState.Succeeded)) {
      phase = Phase.Succeeded;
    } else if (ready >= replicas) {
      phase = Phase.Running;
    } else if (ready == 0 && desired.stream().allMatch(i -> i.state() == InstanceState.Pending)) {
      phase = Phase.Pending;
    } else {
      phase = Phase.Degraded;
    }
    return new WorkloadStatus(w.name(), phase, ready, null, null, w.generation());
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
    return commit(changes, requestId, 0);
  }

  /** {@code fenceTerm}: 0, or the leader term a placement is made under (refused once a later leader wrote). */
  Future<Void> commit(Changes changes, String requestId, long fenceTerm) {
    if (changes.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Event> events = new ArrayList<>();
    for (Event e : changes.events) {
      events.add(requestId == null || e.requestId() != null ? e
          : new Event(e.seq(), e.time(), e.type(), e.severity(), e.node(), e.workload(), e.instance(), e.reason(),
              requestId));
    }
    return storage.write(changes.mutations, events, fenceTerm, requestId)
        .onSuccess(v -> {
          changes.applyInMemory.forEach(Runnable::run);
          mem.revision++;
          changes.touched.forEach(name -> vertx.eventBus().publish(ReconcileBus.CHANGED, new ReconcileBus.Changed(name)));
          changes.located.forEach(id -> vertx.eventBus().send(RegistryBus.CLAIM,
              new RegistryBus.Claim(id, RegistryBus.Kind.instance)));
          changes.unlocated.forEach(id -> vertx.eventBus().send(RegistryBus.RELEASE, new RegistryBus.Release(id)));
        })
        .mapEmpty();
  }

  static Event event(String type, Severity severity, InstanceStatus inst, String reason, String requestId) {
    return Event.of(type, severity, inst.workload(), inst.id(), reason, requestId);
  }

  /** Identifies what a process was started from: a change here replaces running instances. */
  static String launchHash(WorkloadSpec spec) {
    String text = String.join("\0", spec.argv()) + "\1" + new java.util.TreeMap<>(spec.env()) + "\1"
        + spec.workingDir();
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
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

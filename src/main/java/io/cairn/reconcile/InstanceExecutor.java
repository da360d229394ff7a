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
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out what the planner decided: starts, signals and stops this node's processes through
 * the runtime, applies the restart policy when one exits, and commits every resulting change (with
 * its events) to the store, then to the view. Runs inside the reconciler's queue.
 */
final class InstanceExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceExecutor.class);

  private final Vertx vertx;
  private final String nodeId;
  private final StorageClient storage;
  private final RuntimeBus runtime;
  private final Duration timeout;
  private final ReconcileMetrics metrics;
  private final long minRestartBackoffMs;
  private final WorkloadView.Memory mem;
  private final BiConsumer<String, Long> wakeAt;

  InstanceExecutor(Vertx vertx, String nodeId, StorageClient storage, Duration timeout, ReconcileMetrics metrics,
      long minRestartBackoffMs, WorkloadView.Memory mem, BiConsumer<String, Long> wakeAt) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.storage = storage;
    this.runtime = new RuntimeBus(nodeId);
    this.timeout = timeout;
    this.metrics = metrics;
    this.minRestartBackoffMs = minRestartBackoffMs;
    this.mem = mem;
    this.wakeAt = wakeAt;
  }

  RuntimeBus runtime() {
    return runtime;
  }

  /** Records an instance's end and decides, by restart policy and budget, what becomes of it. */
  Future<Void> exited(InstanceStatus inst, Integer code, String how, String requestId) {
    Workload w = mem.workloads.get(inst.workload());
    Changes changes = new Changes();
    if (w == null || w.deleting() || inst.state() == InstanceState.Stopping || inst.ordinal() >= w.spec().replicas()
        || !inst.launchHash().equals(Planner.launchHash(w.spec()))) {
      changes.deleteInstance(mem, inst.id())
          .event(event(EventTypes.INSTANCE_EXITED, Severity.Info, inst, "stopped: " + how, null));
      LOG.info("instance stopped {} {} {}", kv("workload", inst.workload()), kv("instance", inst.id()), kv("how", how));
      return commit(changes, requestId, 0);
    }
    WorkloadSpec.RestartPolicy policy = w.spec().restartPolicy();
    boolean success = code != null && code == 0;
    if (policy.mode() == RestartMode.Never || (policy.mode() == RestartMode.OnFailure && success)) {
      InstanceState end = success ? InstanceState.Succeeded : InstanceState.Failed;
      changes.putInstance(inst.exited(end, code, null, how))
          .event(event(EventTypes.INSTANCE_EXITED, success ? Severity.Info : Severity.Warning, inst, how, null));
      if (!success) {
        failWorkload(changes, w, "instance " + inst.id() + " " + how + " (restartPolicy " + policy.mode() + ")");
      }
    } else if (inst.restarts() >= policy.maxRestarts()) {
      String reason = "instance " + inst.id() + " " + how + " after " + inst.restarts()
          + " restarts (maxRestarts " + policy.maxRestarts() + ")";
      changes.putInstance(inst.exited(InstanceState.Failed, code, null, how))
          .event(event(EventTypes.INSTANCE_FAILED, Severity.Error, inst, reason, null));
      failWorkload(changes, w, reason);
    } else {
      // the floor also holds for specs stored before it was raised
      long delay = Math.max(minRestartBackoffMs, RestartBackoff.delayMillis(policy, inst.restarts()));
      long at = System.currentTimeMillis() + delay;
      changes.putInstance(inst.exited(InstanceState.BackOff, code, at, how))
          .event(event(EventTypes.INSTANCE_EXITED, Severity.Warning, inst, how + "; restarting in " + delay + "ms",
              null));
      LOG.info("instance exited, restart scheduled {} {} {} {}", kv("workload", w.name()), kv("instance", inst.id()),
          kv("how", how), kv("delayMs", delay));
    }
    return commit(changes, requestId, 0);
  }

  private void failWorkload(Changes changes, Workload w, String reason) {
    WorkloadStatus s = mem.statuses.getOrDefault(w.name(), WorkloadStatus.pending(w.name(), w.generation()));
    changes.putStatus(new WorkloadStatus(w.name(), Phase.Failed, s.readyReplicas(), reason,
            System.currentTimeMillis(), w.generation()))
        .event(Event.of(EventTypes.WORKLOAD_FAILED, Severity.Error, w.name(), null, reason, null));
    LOG.warn("workload failed {} {}", kv("workload", w.name()), kv("reason", reason));
  }

  /** Writes placements: the new instance records, in one command under the placing leader's term. */
  Future<Void> place(List<InstanceStatus> placed, long placingTerm, String requestId) {
    Changes changes = new Changes();
    for (InstanceStatus p : placed) {
      LOG.info("instance placed {} {} {}", kv("workload", p.workload()), kv("instance", p.id()), kv("node", p.nodeId()));
      changes.putInstance(p).event(event(EventTypes.INSTANCE_PLACED, Severity.Info, p,
          "placed on node " + p.nodeId(), null));
    }
    return commit(changes, requestId, placingTerm);
  }

  Future<Void> launch(Workload w, InstanceStatus inst, boolean restart, String requestId) {
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
          return commit(new Changes().putInstance(running).event(event(
              restart ? EventTypes.INSTANCE_RESTARTED : EventTypes.INSTANCE_STARTED, Severity.Info, running,
              "pid " + started.pid() + (restart ? ", restart " + inst.restarts() : ""), null)), requestId, 0);
        }, failure -> {
          CairnException ce = CairnException.from(failure);
          if (ce.code() != ErrorCode.EXEC_FAILED) {
            LOG.warn("instance start deferred {} {} {}", kv("workload", w.name()), kv("instance", inst.id()),
                kv("error", ce.getMessage()));
            return Future.succeededFuture();
          }
          Changes changes = new Changes()
              .putInstance(inst.exited(InstanceState.Failed, null, null, ce.getMessage()))
              .event(event(EventTypes.INSTANCE_FAILED, Severity.Error, inst, ce.getMessage(), null));
          failWorkload(changes, w, ce.getMessage());
          return commit(changes, requestId, 0);
        });
  }

  /** SIGTERM first; SIGKILL once the stop grace period has passed; gone once the exit is seen. */
  Future<Void> stop(Workload w, InstanceStatus inst, String requestId) {
    if (!inst.hasProcess()) {
      return commit(new Changes().deleteInstance(mem, inst.id()), requestId, 0);
    }
    long now = System.currentTimeMillis();
    if (inst.state() == InstanceState.Stopping) {
      if (inst.stopDeadline() != null && now < inst.stopDeadline()) {
        wakeAt.accept(w.name(), inst.stopDeadline());
        return Future.succeededFuture();
      }
      LOG.info("stop grace period over, killing {} {}", kv("workload", w.name()), kv("instance", inst.id()));
      return signal(inst, true).compose(found -> found ? Future.succeededFuture()
          : exited(inst, null, "was already gone", requestId));
    }
    long deadline = now + w.spec().stopGracePeriodMs();
    return commit(new Changes().putInstance(inst.stopping(deadline)), requestId, 0)
        .compose(v -> signal(inst, false))
        .compose(found -> {
          wakeAt.accept(w.name(), deadline);
          return found ? Future.succeededFuture() : exited(mem.instances.get(inst.id()), null, "was already gone", requestId);
        });
  }

  Future<Boolean> signal(InstanceStatus inst, boolean force) {
    return Bus.request(vertx, runtime.signal(),
        new RuntimeBus.Signal(inst.id(), inst.pid(), inst.processStartMillis(), force), timeout, null);
  }

  /** The placing node removes a deleted workload once no instance is left anywhere. */
  Future<Void> finishDeleteIfStopped(Workload w, String requestId) {
    if (!mem.instancesOf(w.name()).isEmpty()) {
      return updateStatus(w.name(), requestId);
    }
    LOG.info("workload removed {}", kv("workload", w.name()));
    return commit(new Changes().deleteWorkload(w.name()), requestId, 0)
        .compose(v -> Bus.request(vertx, runtime.deleteLogs(), new RuntimeBus.DeleteLogs(w.name()), timeout, null))
        .mapEmpty();
  }

  Future<Void> updateStatus(String name, String requestId) {
    return updateStatuses(List.of(name), requestId);
  }

  /** Writes the derived status of each named workload that changed, all in one command. */
  Future<Void> updateStatuses(java.util.Collection<String> names, String requestId) {
    Changes changes = new Changes();
    for (String name : names) {
      Workload w = mem.workloads.get(name);
      if (w == null) {
        continue;
      }
      WorkloadStatus old = mem.statuses.getOrDefault(name, WorkloadStatus.pending(name, w.generation()));
      WorkloadStatus next = Planner.status(w, old, mem.instancesOf(name));
      if (next.equals(old) && mem.statuses.containsKey(name)) {
        continue;
      }
      if (next.phase() != old.phase()) {
        LOG.info("workload phase {} {} {}", kv("workload", name), kv("from", old.phase()), kv("to", next.phase()));
      }
      changes.putStatus(next);
    }
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
    return storage.write(changes.mutations, events, fenceTerm, changes.expectations, requestId)
        .onSuccess(written -> {
          for (io.cairn.state.Mutation m : changes.mutations) {
            mem.take(m.table(), m.key(), m instanceof io.cairn.state.Mutation.Put p ? p.value() : null,
                written.logIndex());
          }
          mem.publish();
          changes.touched.forEach(name -> vertx.eventBus().publish(ReconcileBus.CHANGED, new ReconcileBus.Changed(name)));
          // the registry says where instances run: only this node's own are claimed here
          changes.located.stream().filter(id -> mem.instances.containsKey(id)
                  && nodeId.equals(mem.instances.get(id).nodeId()))
              .forEach(id -> vertx.eventBus().send(RegistryBus.CLAIM, new RegistryBus.Claim(id, RegistryBus.Kind.instance)));
          changes.unlocated.forEach(id -> vertx.eventBus().send(RegistryBus.RELEASE, new RegistryBus.Release(id)));
        })
        .mapEmpty();
  }

  static Event event(String type, Severity severity, InstanceStatus inst, String reason, String requestId) {
    return Event.of(type, severity, inst.workload(), inst.id(), reason, requestId);
  }
}

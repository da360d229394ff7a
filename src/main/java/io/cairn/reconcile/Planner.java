package io.cairn.reconcile;

import io.cairn.model.InstanceState;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Phase;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadSpec;
import io.cairn.model.WorkloadStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Desired versus actual for one workload, as seen from one node: which of this node's instances to
 * stop, start or restart, and (on the placing node) which empty slots get a new instance where.
 * Pure: the same inputs give the same plan, and nothing here touches a process or the store.
 */
final class Planner {
  private Planner() {}

  sealed interface Step permits Stop, Place, Launch, Relaunch, WakeAt {}

  /** One of this node's instances that the spec no longer wants (or the workload is being deleted). */
  record Stop(InstanceStatus instance) implements Step {}

  /** A new instance for an empty slot, on {@code instance.nodeId()}; started at once when that is this node. */
  record Place(InstanceStatus instance) implements Step {}

  /** One of this node's Pending instances: start it. */
  record Launch(InstanceStatus instance) implements Step {}

  /** One of this node's BackOff instances whose delay is over: start it again. */
  record Relaunch(InstanceStatus instance) implements Step {}

  /** Nothing to do until then (a restart delay): look again at {@code at}. */
  record WakeAt(long at) implements Step {}

  /**
   * @param placing whether this node places new instances now
   * @param choose  the node for a new instance, given the ones already placed in this plan (null: none fits)
   * @param newId   a fresh instance id for a slot
   */
  static List<Step> plan(Workload w, List<InstanceStatus> instances, boolean failed, String nodeId, boolean placing,
      Function<List<InstanceStatus>, String> choose, IntFunction<String> newId, long now) {
    List<Step> steps = new ArrayList<>();
    String hash = launchHash(w.spec());
    for (InstanceStatus inst : instances) {
      if (unwanted(w, inst, hash) && nodeId.equals(inst.nodeId())) {
        steps.add(new Stop(inst));
      }
    }
    if (w.deleting() || failed) {
      return steps;
    }
    List<InstanceStatus> placed = new ArrayList<>();
    for (int ordinal = 0; ordinal < w.spec().replicas(); ordinal++) {
      int slot = ordinal;
      List<InstanceStatus> inSlot = instances.stream().filter(i -> i.ordinal() == slot).toList();
      InstanceStatus current = inSlot.stream().filter(i -> i.launchHash().equals(hash)).findFirst().orElse(null);
      if (current == null) {
        // the replacement waits until the old process is gone (stopping now, or about to be)
        boolean oldStillThere = inSlot.stream().anyMatch(i -> i.state() == InstanceState.Stopping
            || (unwanted(w, i, hash) && i.hasProcess()));
        if (oldStillThere || !placing) {
          continue;
        }
        String target = choose.apply(List.copyOf(placed));
        if (target != null) {
          InstanceStatus fresh = InstanceStatus.pending(newId.apply(slot), w.name(), slot, target, hash);
          placed.add(fresh);
          steps.add(new Place(fresh));
        }
        continue;
      }
      if (!nodeId.equals(current.nodeId())) {
        continue; // its own node runs it
      }
      if (current.state() == InstanceState.Pending) {
        steps.add(new Launch(current));
      } else if (current.state() == InstanceState.BackOff) {
        if (current.nextRestartAt() == null || current.nextRestartAt() <= now) {
          steps.add(new Relaunch(current));
        } else {
          steps.add(new WakeAt(current.nextRestartAt()));
        }
      }
    }
    return steps;
  }

  static boolean unwanted(Workload w, InstanceStatus inst, String hash) {
    return w.deleting() || inst.ordinal() >= w.spec().replicas() || !inst.launchHash().equals(hash);
  }

  /** The workload's phase and ready count, derived from its instances. */
  static WorkloadStatus status(Workload w, WorkloadStatus old, List<InstanceStatus> instances) {
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
}

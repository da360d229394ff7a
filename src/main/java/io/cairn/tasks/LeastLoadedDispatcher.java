package io.cairn.tasks;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.FieldError;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Eligible = not draining, has every placement label, and the capacity for the task's resources;
 * among those the most free task slots wins, then the shortest queue, then the node id (stable).
 */
public final class LeastLoadedDispatcher implements TaskDispatcher {
  private final Supplier<Future<List<TasksBus.Stats>>> candidates;

  public LeastLoadedDispatcher(Supplier<Future<List<TasksBus.Stats>>> candidates) {
    this.candidates = candidates;
  }

  @Override
  public Future<String> choose(TaskSpec spec) {
    return candidates.get().map(nodes -> pick(spec, nodes));
  }

  static String pick(TaskSpec spec, List<TasksBus.Stats> nodes) {
    List<TasksBus.Stats> eligible = new ArrayList<>();
    List<FieldError> why = new ArrayList<>();
    for (TasksBus.Stats n : nodes) {
      String reason = ineligible(spec, n);
      if (reason == null) {
        eligible.add(n);
      } else {
        why.add(new FieldError(reason.startsWith("placement") ? "placement" : reason.startsWith("resources")
            ? "resources" : "node", reason, Map.of("node", n.nodeId())));
      }
    }
    return eligible.stream()
        .min(Comparator.comparingInt((TasksBus.Stats n) -> -(n.slots() - n.running()))
            .thenComparingInt(TasksBus.Stats::queued).thenComparing(TasksBus.Stats::nodeId))
        .map(TasksBus.Stats::nodeId)
        .orElseThrow(() -> new CairnException(ErrorCode.UNSCHEDULABLE,
            "no node can run this task: " + (why.isEmpty() ? "no nodes" : why.get(0).message()), why));
  }

  private static String ineligible(TaskSpec spec, TasksBus.Stats n) {
    if (n.draining()) {
      return "node is shutting down";
    }
    for (Map.Entry<String, String> want : spec.placement().entrySet()) {
      String have = n.labels().get(want.getKey());
      if (!want.getValue().equals(have)) {
        return "placement " + want.getKey() + "=" + want.getValue() + " does not match node label "
            + (have == null ? want.getKey() + " (absent)" : want.getKey() + "=" + have);
      }
    }
    if (spec.cpuMillis() > n.cpuMillis()) {
      return "resources.cpu " + spec.cpuMillis() + "m is more than the node's " + n.cpuMillis() + "m";
    }
    if (spec.memoryBytes() > n.memoryBytes()) {
      return "resources.memory " + spec.memoryBytes() + " bytes is more than the node's " + n.memoryBytes();
    }
    return null;
  }
}

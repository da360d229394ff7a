package io.cairn.reconcile;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.FieldError;
import io.cairn.model.Quantities;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadSpec;
import io.cairn.node.NodeResources;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a workload fits on this node: its requests against what other workloads have not
 * already requested, and the node's current use against the configured thresholds.
 */
final class Admission {
  private final int cpuThreshold;
  private final int memoryThreshold;
  private final int diskThreshold;

  Admission(int cpuThreshold, int memoryThreshold, int diskThreshold) {
    this.cpuThreshold = cpuThreshold;
    this.memoryThreshold = memoryThreshold;
    this.diskThreshold = diskThreshold;
  }

  /**
   * Throws INSUFFICIENT_RESOURCES naming each resource that does not fit. {@code requested}: what
   * all workloads request now (kept as a running total: an apply must not cost a walk over every
   * workload), {@code existing}: this workload's current version, whose part is given back.
   */
  void check(WorkloadSpec spec, Workload existing, WorkloadView.Requested requested, NodeResources.Snapshot node,
      boolean growing) {
    List<FieldError> problems = new ArrayList<>();
    long cpuRequested = spec.resources().cpuMillis() * spec.replicas();
    long memRequested = spec.resources().memoryBytes() * spec.replicas();
    long cpuTaken = requested.cpuMillis();
    long memTaken = requested.memoryBytes();
    if (existing != null && !existing.deleting()) {
      cpuTaken -= WorkloadView.Requested.cpuOf(existing);
      memTaken -= WorkloadView.Requested.memoryOf(existing);
    }
    long cpuAvailable = Math.max(0, node.capacity().cpuMillis() - cpuTaken);
    long memAvailable = Math.max(0, node.capacity().memoryBytes() - memTaken);
    if (cpuRequested > cpuAvailable) {
      problems.add(fits("spec.resources.cpu", "cpu", Quantities.formatMillicores(cpuRequested),
          Quantities.formatMillicores(cpuAvailable), spec.replicas()));
    }
    if (memRequested > memAvailable) {
      problems.add(fits("spec.resources.memory", "memory", Quantities.formatBytes(memRequested),
          Quantities.formatBytes(memAvailable), spec.replicas()));
    }
    if (growing) {
      threshold(problems, "cpu", node.cpuPercent(), cpuThreshold);
      threshold(problems, "memory", node.memoryPercent(), memoryThreshold);
      threshold(problems, "disk", node.diskPercent(), diskThreshold);
    }
    if (!problems.isEmpty()) {
      throw new CairnException(ErrorCode.INSUFFICIENT_RESOURCES,
          "workload '" + spec.name() + "' does not fit on this node", problems);
    }
  }

  private static FieldError fits(String field, String resource, String requested, String available, int replicas) {
    return new FieldError(field, "requested " + requested + " (" + replicas + " replicas), available " + available,
        Map.of("resource", resource, "requested", requested, "available", available));
  }

  private static void threshold(List<FieldError> problems, String resource, double usedPercent, int limit) {
    if (usedPercent > limit) {
      String used = String.format("%.1f%%", usedPercent);
      problems.add(new FieldError("node." + resource, resource + " use " + used + " is above the admission threshold of "
          + limit + "%", Map.of("resource", resource, "used", used, "threshold", limit + "%")));
    }
  }
}

package io.cairn.reconcile;

import io.cairn.model.InstanceStatus;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadStatus;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A workload as clients see it: desired spec, observed status and its instances. {@code revision}
 * is the reconciler's change counter when the view was taken: equal revisions mean equal views, so
 * front ends may reuse what they rendered.
 */
public record WorkloadView(Workload workload, WorkloadStatus status, List<InstanceStatus> instances, long revision,
    long resourceVersion) {

  /** The reconciler's in-memory copy of its tables, changed only after a commit succeeds. */
  static final class Memory {
    final Map<String, Workload> workloads = new HashMap<>();
    final Map<String, WorkloadStatus> statuses = new HashMap<>();
    final Map<String, InstanceStatus> instances = new HashMap<>();
    /** Cluster members (cluster mode only): where instances may be placed. */
    final Map<String, io.cairn.cluster.NodeRecord> nodes = new HashMap<>();
    /** workload name -> the log index of its spec's last change: its resource version. */
    final Map<String, Long> versions = new HashMap<>();
    /** Rises with every committed change. */
    long revision;

    List<InstanceStatus> instancesOf(String workload) {
      return instances.values().stream().filter(i -> i.workload().equals(workload))
          .sorted(Comparator.comparingInt(InstanceStatus::ordinal).thenComparing(InstanceStatus::id)).toList();
    }

    WorkloadView view(String name) {
      Workload w = workloads.get(name);
      if (w == null) {
        return null;
      }
      WorkloadStatus s = statuses.getOrDefault(name, WorkloadStatus.pending(name, w.generation()));
      return new WorkloadView(w, s, instancesOf(name), revision, versions.getOrDefault(name, 0L));
    }
  }
}

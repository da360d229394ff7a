package io.cairn.reconcile;

import io.cairn.cluster.NodeRecord;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadStatus;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The reconciler's view of the applied control state: workloads, statuses, instances and (in a
 * cluster) nodes, loaded once and then kept in step, by this node's own commits as they return and
 * by the changes other nodes committed as they are applied here.
 */
final class AppliedView {
  final WorkloadView.Memory mem = new WorkloadView.Memory();
  private final String nodeId;
  private final boolean clustered;

  AppliedView(String nodeId, boolean clustered) {
    this.nodeId = nodeId;
    this.clustered = clustered;
  }

  Future<Void> load(StorageClient storage) {
    mem.workloads.clear();
    mem.statuses.clear();
    mem.instances.clear();
    mem.nodes.clear();
    mem.versions.clear();
    return storage.<Workload>scanEntries(Table.WORKLOADS, "")
        .onSuccess(list -> list.forEach(e -> {
          mem.workloads.put(e.key(), e.value());
          mem.versions.put(e.key(), e.logIndex());
        }))
        .compose(v -> storage.<WorkloadStatus>scanAll(Table.WORKLOAD_STATUS, ""))
        .onSuccess(list -> list.forEach(s -> mem.statuses.put(s.name(), s)))
        .compose(v -> storage.<InstanceStatus>scanAll(Table.INSTANCES, ""))
        .onSuccess(list -> list.forEach(i -> mem.instances.put(i.id(), i)))
        .compose(v -> clustered ? storage.<NodeRecord>scanAll(Table.NODES, "")
            .onSuccess(list -> list.forEach(n -> mem.nodes.put(n.id(), n))).<Void>mapEmpty() : Future.succeededFuture())
        .mapEmpty();
  }

  /** What an applied command changed in the view. */
  record Touched(Set<String> workloads, Set<String> removedWorkloads, boolean nodes,
      java.util.List<InstanceStatus> placed) {
    boolean any() {
      return !workloads.isEmpty() || nodes;
    }
  }

  /**
   * Takes an applied command into the view. This node's own workload writes reached the view when
   * they returned, so only node records are taken from them.
   */
  Touched apply(StorageBus.Applied applied) {
    boolean own = nodeId.equals(applied.proposer());
    Set<String> touched = new LinkedHashSet<>();
    Set<String> removed = new LinkedHashSet<>();
    boolean nodes = false;
    java.util.List<InstanceStatus> placed = new java.util.ArrayList<>();
    for (StorageBus.Change c : applied.changes()) {
      if (own && c.table() != Table.NODES) {
        continue;
      }
      switch (c.table()) {
        case WORKLOADS -> {
          touched.add(c.key());
          if (c.value() == null) {
            mem.workloads.remove(c.key());
            mem.versions.remove(c.key());
            removed.add(c.key());
          } else {
            mem.workloads.put(c.key(), (Workload) c.value());
            mem.versions.put(c.key(), c.logIndex());
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
          InstanceStatus old = c.value() == null ? mem.instances.remove(c.key())
              : mem.instances.put(c.key(), (InstanceStatus) c.value());
          if (old == null && c.value() != null) {
            placed.add((InstanceStatus) c.value());
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
            mem.nodes.put(c.key(), (NodeRecord) c.value());
          }
          nodes = true;
        }
        default -> { }
      }
    }
    if (!touched.isEmpty()) {
      mem.revision++;
    }
    return new Touched(touched, removed, nodes, placed);
  }
}

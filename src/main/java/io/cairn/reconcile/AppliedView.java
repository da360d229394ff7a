package io.cairn.reconcile;

import io.cairn.model.InstanceStatus;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The reconciler's view of the applied control state: workloads, statuses, instances and (in a
 * cluster) nodes, loaded once and then kept in step, by this node's own commits as they return and
 * by every command as it is applied here; each entry keeps its newest change by log index.
 */
final class AppliedView {
  final WorkloadView.Memory mem = new WorkloadView.Memory();
  private final String nodeId;
  private final boolean clustered;

  AppliedView(String nodeId, boolean clustered) {
    this.nodeId = nodeId;
    this.clustered = clustered;
  }

  private final io.vertx.core.Promise<Void> firstLoad = io.vertx.core.Promise.promise();
  /** Commands applied while a load reads the tables: taken again once the load replaced the view. */
  private List<StorageBus.Applied> duringLoad;

  /** Completes once the view was first loaded: until then it holds nothing to answer from. */
  Future<Void> loaded() {
    return firstLoad.future();
  }

  /**
   * Reads the tables, then replaces the view with them in one step, so a reader never sees it half
   * loaded (a reload after a snapshot install used to empty it first); commands applied during the
   * read are taken again after it, each by its log index.
   */
  Future<Void> load(StorageClient storage) {
    List<Table> tables = clustered ? List.of(Table.WORKLOADS, Table.WORKLOAD_STATUS, Table.INSTANCES, Table.NODES)
        : List.of(Table.WORKLOADS, Table.WORKLOAD_STATUS, Table.INSTANCES);
    duringLoad = new ArrayList<>();
    List<List<io.cairn.state.Entry<Object>>> read = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Table table : tables) {
      chain = chain.compose(v -> storage.<Object>scanEntries(table, "")).onSuccess(read::add).mapEmpty();
    }
    return chain.onComplete(ar -> {
      List<StorageBus.Applied> since = duringLoad;
      duringLoad = null;
      if (ar.failed()) {
        return;
      }
      mem.clear();
      for (int i = 0; i < tables.size(); i++) {
        Table table = tables.get(i);
        read.get(i).forEach(e -> mem.take(table, e.key(), e.value(), e.logIndex()));
      }
      since.forEach(a -> a.changes().forEach(c -> mem.take(c.table(), c.key(), c.value(), c.logIndex())));
      mem.publish();
      firstLoad.tryComplete();
    });
  }

  /** What an applied command changed in the view. */
  record Touched(Set<String> workloads, Set<String> removedWorkloads, boolean nodes,
      java.util.List<InstanceStatus> placed) {
    boolean any() {
      return !workloads.isEmpty() || nodes;
    }
  }

  /**
   * Takes an applied command into the view. This node's own commands are taken too (they keep the
   * view in log order) but touch nothing: whoever committed them reacts when the commit returns.
   */
  Touched apply(StorageBus.Applied applied) {
    if (duringLoad != null) {
      duringLoad.add(applied);
    }
    boolean own = nodeId.equals(applied.proposer());
    Set<String> touched = new LinkedHashSet<>();
    Set<String> removed = new LinkedHashSet<>();
    boolean nodes = false;
    List<InstanceStatus> placed = new ArrayList<>();
    for (StorageBus.Change c : applied.changes()) {
      InstanceStatus before = c.table() == Table.INSTANCES ? mem.instances.get(c.key()) : null;
      if (!mem.take(c.table(), c.key(), c.value(), c.logIndex()) || own && c.table() != Table.NODES) {
        continue;
      }
      switch (c.table()) {
        case WORKLOADS -> {
          touched.add(c.key());
          if (c.value() == null) {
            removed.add(c.key());
          }
        }
        case WORKLOAD_STATUS -> touched.add(c.key());
        case INSTANCES -> {
          if (before == null && c.value() != null) {
            placed.add((InstanceStatus) c.value());
          }
          InstanceStatus any = c.value() != null ? (InstanceStatus) c.value() : before;
          if (any != null) {
            touched.add(any.workload());
          }
        }
        case NODES -> nodes = true;
        default -> { }
      }
    }
    mem.publish(); // this node's own commands too: the view may hold them before their commit returns
    return new Touched(touched, removed, nodes, placed);
  }
}

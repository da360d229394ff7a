package io.cairn.reconcile;

import io.cairn.bus.Bus;
import io.cairn.cluster.ClusterBus;
import io.cairn.cluster.NodeRecord;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Workload;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;

/**
 * Who places new instances, and where. Single node: this node, always, here. Cluster: only the
 * Raft leader places, and its placement writes carry its term so a deposed leader's are refused.
 * The rule is deliberately simple (spread a workload's replicas over Ready nodes, least loaded
 * first); the scheduler replaces the rule later, not this seam.
 */
interface Placer {
  /** The fence term when this node places now (0 on a single node), or null when another node does. */
  Future<Long> placingTerm();

  /**
   * The node for a new instance of {@code w}, counting {@code planned} (placed in this pass, not yet
   * in the view) as already there; null when no node can take it.
   */
  String choose(Workload w, WorkloadView.Memory mem, java.util.List<InstanceStatus> planned);

  static Placer singleNode(String nodeId) {
    return new Placer() {
      @Override
      public Future<Long> placingTerm() {
        return Future.succeededFuture(0L);
      }

      @Override
      public String choose(Workload w, WorkloadView.Memory mem, java.util.List<InstanceStatus> planned) {
        String pinned = w.spec().placementOrAnywhere().node();
        return pinned == null || pinned.equals(nodeId) ? nodeId : null; // pinned elsewhere: never here
      }
    };
  }

  static Placer raftLeader(Vertx vertx, String nodeId, Duration timeout) {
    return new Placer() {
      @Override
      public Future<Long> placingTerm() {
        return Bus.<ClusterBus.Status>request(vertx, ClusterBus.STATUS, new ClusterBus.StatusQuery(), timeout, null)
            .map(st -> nodeId.equals(st.leaderId()) && st.term() > 0 ? st.term() : null);
      }

      @Override
      public String choose(Workload w, WorkloadView.Memory mem, java.util.List<InstanceStatus> planned) {
        Map<String, Long> ofWorkload = new java.util.HashMap<>();
        Map<String, Long> all = new java.util.HashMap<>();
        for (InstanceStatus i : java.util.stream.Stream.concat(mem.instances.values().stream(), planned.stream()).toList()) {
          all.merge(i.nodeId(), 1L, Long::sum);
          if (i.workload().equals(w.name())) {
            ofWorkload.merge(i.nodeId(), 1L, Long::sum);
          }
        }
        String pinned = w.spec().placementOrAnywhere().node();
        return mem.nodes.values().stream()
            .filter(n -> n.state() == NodeRecord.State.Ready)
            .filter(n -> pinned == null || n.id().equals(pinned))
            .min(Comparator.<NodeRecord>comparingLong(n -> ofWorkload.getOrDefault(n.id(), 0L))
                .thenComparingLong(n -> all.getOrDefault(n.id(), 0L))
                .thenComparing(Comparator.<NodeRecord>comparingLong(n -> n.capacity().memoryBytes()).reversed())
                .thenComparing(NodeRecord::id))
            .map(NodeRecord::id).orElse(null);
      }
    };
  }
}

package io.cairn.cluster;

import io.cairn.cluster.peer.v1.HeartbeatReply;
import io.cairn.cluster.peer.v1.MemberStatus;
import io.cairn.model.CairnException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who is in the cluster and how they are doing. The records come from the replicated NODES table;
 * heartbeats live only in memory: on the leader from the nodes themselves, elsewhere from the
 * leader's last heartbeat reply. The leader turns a node that stopped heart-beating into Down.
 * Used on the cluster verticle's event loop only.
 */
final class Membership {
  record Beat(long atMillis, long appliedIndex, ClusterBus.Usage usage) {}

  private final String selfId;
  private final Map<String, NodeRecord> records = new TreeMap<>();
  private final Map<String, Beat> beats = new HashMap<>();

  Membership(String selfId) {
    this.selfId = selfId;
  }

  void record(NodeRecord r) {
    records.put(r.id(), r);
  }

  void forget(String id) {
    records.remove(id);
    beats.remove(id);
  }

  void reload(List<NodeRecord> all) {
    records.clear();
    all.forEach(this::record);
  }

  NodeRecord get(String id) {
    return records.get(id);
  }

  List<NodeRecord> all() {
    return List.copyOf(records.values());
  }

  /** Leader: a node reported in. */
  void heard(String id, long appliedIndex, ClusterBus.Usage usage, long now) {
    beats.put(id, new Beat(now, appliedIndex, usage));
  }

  /** A new leader (this node or another) starts every timer afresh: no node is Down for the old leader's silence. */
  void leaderChanged() {
    beats.clear();
  }

  /**
   * Leader: Ready nodes not heard from within {@code timeoutMillis}. A node with no beat yet gets
   * its grace period from now.
   */
  List<NodeRecord> overdue(long now, long timeoutMillis) {
    List<NodeRecord> out = new ArrayList<>();
    for (NodeRecord r : records.values()) {
      if (r.state() != NodeRecord.State.Ready || r.id().equals(selfId)) {
        continue;
      }
      Beat b = beats.get(r.id());
      if (b == null) {
        beats.put(r.id(), new Beat(now, -1, null));
      } else if (now - b.atMillis() > timeoutMillis) {
        out.add(r);
      }
    }
    return out;
  }

  /** Leader: the statuses every heartbeat reply shares. */
  List<MemberStatus> statuses(long now) {
    List<MemberStatus> out = new ArrayList<>();
    beats.forEach((id, b) -> {
      MemberStatus.Builder s = MemberStatus.newBuilder().setId(id).setLastHeartbeatAgeMillis(now - b.atMillis())
          .setAppliedIndex(b.appliedIndex());
      if (b.usage() != null) {
        s.setCpuPercent(b.usage().cpuPercent()).setMemoryUsedBytes(b.usage().memoryBytes())
            .setDiskUsedBytes(b.usage().diskBytes());
      }
      out.add(s.build());
    });
    return out;
  }

  /** Follower: adopts the leader's view of everyone's heartbeats. */
  void fromLeader(HeartbeatReply reply, long now) {
    beats.clear();
    for (MemberStatus s : reply.getMembersList()) {
      beats.put(s.getId(), new Beat(now - s.getLastHeartbeatAgeMillis(), s.getAppliedIndex(),
          new ClusterBus.Usage(s.getCpuPercent(), s.getMemoryUsedBytes(), s.getDiskUsedBytes())));
    }
  }

  ClusterBus.NodeView view(NodeRecord r, RaftNode.Status raft) {
    String role = r.id().equals(raft.leaderId()) ? "leader" : raft.servers().containsKey(r.id()) ? "follower"
        : raft.listeners().containsKey(r.id()) ? "listener" : "none";
    Beat b = beats.get(r.id());
    return new ClusterBus.NodeView(r, role, b == null ? null : b.atMillis(), b == null ? null : b.usage());
  }

  ClusterBus.NodeView view(String id, RaftNode.Status raft) {
    NodeRecord r = records.get(id);
    if (r == null) {
      throw CairnException.notFound("node", id);
    }
    return view(r, raft);
  }

  long appliedIndexOf(String id) {
    Beat b = beats.get(id);
    return b == null ? -1 : b.appliedIndex();
  }
}

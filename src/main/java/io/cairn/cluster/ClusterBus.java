package io.cairn.cluster;

import io.cairn.bus.Addresses;
import java.util.List;

/** The cluster component's addresses and messages (deployed only with cluster.enabled). */
public final class ClusterBus {
  public static final Addresses ADDRESSES = new Addresses("cluster");
  public static final String NODES = ADDRESSES.local("nodes");
  public static final String NODE = ADDRESSES.local("node");
  public static final String STATUS = ADDRESSES.local("status");
  public static final String PEERS = ADDRESSES.local("peers");
  public static final String REMOVE = ADDRESSES.local("remove");
  /** Replies once this node has applied everything committed before the request (linearizable read point). */
  public static final String READ_INDEX = ADDRESSES.local("readIndex");
  /** Replies once this node has caught up with the cluster after it started (long-poll: retry on timeout). */
  public static final String CAUGHT_UP = ADDRESSES.local("caughtUp");

  /**
   * Log lines of instances on another node, read there and streamed over the peer service. Reply:
   * the tail as {@link io.cairn.runtime.RuntimeBus.LogLines}; with a sink address, new lines follow
   * as {@link io.cairn.runtime.RuntimeBus.LogChunk} pushes the sink acknowledges (true to go on).
   */
  public static final String FORWARD_LOGS = ADDRESSES.local("forward.logs");

  /**
   * Published by the cluster component every {@code LEADER_CONTACT_EVERY}: whether this node knows
   * a leader it heard from lately, and how long ago it last did (-1: never): what a local read is worth.
   */
  public static final String LEADER_CONTACT = ADDRESSES.local("leaderContact");

  private ClusterBus() {}

  public record LeaderContact(boolean knownLeader, long lastContactMillis) {}

  public record ForwardLogs(String node, io.cairn.runtime.RuntimeBus.Logs logs) {}

  /** Reply: {@link Nodes}. */
  public record ListNodes() {}

  public record Nodes(List<NodeView> nodes) {}

  /** Reply: {@link NodeView} (NOT_FOUND). */
  public record GetNode(String id) {}

  /** Reply: the removed {@link NodeView} (NOT_FOUND; FAILED_PRECONDITION while it is Ready). */
  public record RemoveNode(String id) {}

  /**
   * A node record with what only the live cluster knows: Raft role, when the leader last heard
   * from it and its last reported usage (null when unknown, e.g. no leader).
   */
  public record NodeView(NodeRecord record, String raftRole, Long lastHeartbeat, Usage usage) {}

  public record Usage(double cpuPercent, long memoryBytes, long diskBytes) {}

  /** Reply: {@link Status}. */
  public record StatusQuery() {}

  public record Status(String nodeId, String leaderId, long term, long commitIndex, long appliedIndex,
      List<ServerStatus> servers) {}

  /** One Raft member: its role and applied index as last reported to the leader (-1 when unknown). */
  public record ServerStatus(String id, String address, String role, long appliedIndex) {}

  /** Reply: {@link Peers}. */
  public record PeersQuery() {}

  public record Peers(List<PeerView> peers) {}

  /** {@code lastContact}: when a call to it last succeeded from this node (null: never). */
  public record PeerView(String id, String address, String state, String breaker, Long lastContact) {}

  /** Reply: Boolean true. */
  public record ReadIndex() {}

  /** Reply: Boolean true. */
  public record CaughtUp() {}

  public static final List<Class<?>> MESSAGE_TYPES = List.of(ListNodes.class, Nodes.class, GetNode.class,
      RemoveNode.class, NodeView.class, Usage.class, StatusQuery.class, Status.class, ServerStatus.class,
      PeersQuery.class, Peers.class, PeerView.class, ReadIndex.class, CaughtUp.class, LeaderContact.class, NodeRecord.class, ForwardLogs.class);
}

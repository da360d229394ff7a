package io.cairn.cluster;

import java.util.Map;

/**
 * A cluster member as the replicated state knows it. Only changes are written (registration, Ready
 * -> Down -> Ready, Left): heartbeats and usage stay in the leader's memory.
 */
public record NodeRecord(String id, String name, State state, boolean server, Map<String, String> labels,
    Addresses addresses, Capacity capacity, String version, long registeredAt, long stateSince, String reason) {

  public enum State { Ready, Down, Left }

  /** Where the node listens: API (REST + gRPC), S3, peer gRPC, Raft (host:port each). */
  public record Addresses(String api, String s3, String cluster, String raft) {}

  public record Capacity(long cpuMillis, long memoryBytes, long diskBytes) {}

  public NodeRecord withState(State next, long now) {
    return new NodeRecord(id, name, next, server, labels, addresses, capacity, version, registeredAt, now, reason);
  }

  /** Why it is in its state: carried in the log, so every node records the same cluster event. */
  public NodeRecord withReason(String why) {
    return new NodeRecord(id, name, state, server, labels, addresses, capacity, version, registeredAt, stateSince, why);
  }
}

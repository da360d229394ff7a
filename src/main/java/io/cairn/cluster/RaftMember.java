package io.cairn.cluster;

/**
 * A member as a Raft configuration named it, as this node saw it: its Raft address and whether it
 * was a listener (client-only) or a voter. Kept node-local ({@code RAFT_MEMBERS}), never replicated.
 */
public record RaftMember(String id, String raftAddress, boolean listener, long seenAtMillis) {

  boolean sameAs(String otherAddress, boolean otherListener) {
    return raftAddress.equals(otherAddress) && listener == otherListener;
  }
}

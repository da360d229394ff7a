package io.cairn.cluster;

import io.cairn.state.Mutation;
import io.cairn.state.Table;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The members a leader may put back into the Raft configuration by itself, and where: those this
 * node saw in a Raft configuration, at the Raft address and in the role they had there. Only a
 * leader changes the configuration, and Cairn's leader only after a join call on the peer service
 * (which needs the cluster secret, and with TLS the node's certificate) or when the first servers
 * bootstrap the group (Ratis's own admin call on the Raft port can change it too: TLS on that port
 * closes it, not this class). A record in the replicated NODES table is not enough: anyone who gets
 * an entry into the log can write one. Every node watches its configuration on each heartbeat tick and
 * keeps what it saw in the node-local {@link Table#RAFT_MEMBERS} table (no log entry writes it), so
 * a node that becomes leader, even after a restart, still knows a member that dropped out of the
 * configuration meanwhile. Used on the cluster verticle's event loop only.
 */
final class KnownMembers {
  private static final Logger LOG = LoggerFactory.getLogger(KnownMembers.class);

  private final StorageClient storage;
  private final Map<String, RaftMember> known = new HashMap<>();

  KnownMembers(StorageClient storage) {
    this.storage = storage;
  }

  /** Reads what this node saw before it (re)started. */
  Future<Void> load() {
    return storage.<RaftMember>scanAll(Table.RAFT_MEMBERS, "")
        .onSuccess(all -> all.forEach(m -> known.put(m.id(), m)))
        .mapEmpty();
  }

  /** Takes every member of the configuration as this node sees it now. */
  void observe(RaftNode.Status st, long now) {
    st.servers().forEach((id, address) -> saw(id, address, false, now));
    st.listeners().forEach((id, address) -> saw(id, address, true, now));
  }

  /** The leader put a member that called join into the configuration: known now, not only from the next tick. */
  void admitted(String id, String raftAddress, boolean listener, long now) {
    saw(id, raftAddress, listener, now);
  }

  /**
   * The member's node record was deleted through the log ({@code cairn node remove} takes it out of
   * the configuration first): forgotten, unless the configuration still holds it.
   */
  void removed(String id, RaftNode.Status st) {
    if (st.servers().containsKey(id) || st.listeners().containsKey(id) || known.remove(id) == null) {
      return;
    }
    persist(id, new Mutation.Delete(Table.RAFT_MEMBERS, id));
  }

  /**
   * The member to put back for a node record that is missing from the configuration: the one a
   * configuration named under the record's id at the record's Raft address, in the role it had
   * there (a record cannot make a listener a voter); null when no configuration this node saw did.
   */
  RaftMember restorable(NodeRecord r) {
    RaftMember m = known.get(r.id());
    return m != null && m.raftAddress().equals(r.addresses().raft()) ? m : null;
  }

  private void saw(String id, String raftAddress, boolean listener, long now) {
    RaftMember before = known.get(id);
    if (before != null && before.sameAs(raftAddress, listener)) {
      return;
    }
    RaftMember seen = new RaftMember(id, raftAddress, listener, now);
    known.put(id, seen);
    persist(id, new Mutation.Put(Table.RAFT_MEMBERS, id, seen));
  }

  private void persist(String id, Mutation change) {
    storage.write(List.of(change), List.of(), null)
        .onFailure(e -> LOG.warn("recording Raft member {} failed: {}", id, e.getMessage()));
  }
}

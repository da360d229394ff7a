package io.cairn.cluster;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.cluster.peer.v1.HeartbeatReply;
import io.cairn.cluster.peer.v1.HeartbeatRequest;
import io.cairn.cluster.peer.v1.HelloReply;
import io.cairn.cluster.peer.v1.HelloRequest;
import io.cairn.cluster.peer.v1.JoinReply;
import io.cairn.cluster.peer.v1.JoinRequest;
import io.cairn.cluster.peer.v1.LeaveReply;
import io.cairn.cluster.peer.v1.LeaveRequest;
import io.cairn.cluster.peer.v1.Member;
import io.cairn.cluster.peer.v1.PeerService;
import io.cairn.config.CairnConfig;
import io.cairn.events.EventTypes;
import io.cairn.model.Event;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer service as this node answers it, and what only the leader does: admit members into the
 * Raft configuration and the NODES table, take heartbeats, and mark nodes that fell silent Down.
 * Every record change is one write through the storage component (so through the Raft log).
 * Used on the cluster verticle's event loop.
 */
final class LeaderSide extends PeerService {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderSide.class);

  private final Vertx vertx;
  private final String nodeId;
  private final CairnConfig.Cluster settings;
  private final RaftNode raft;
  private final Membership members;
  private final KnownMembers knownMembers;
  private final StorageClient storage;
  private final Supplier<Member> self;
  private final Supplier<String> clusterAddress;
  private final Function<String, String> leaderAddress;
  private final java.util.Set<String> writesInFlight = new java.util.HashSet<>();
  private Future<Void> joins = Future.succeededFuture();

  LeaderSide(Vertx vertx, String nodeId, CairnConfig.Cluster settings, RaftNode raft, Membership members,
      KnownMembers knownMembers, StorageClient storage, Supplier<Member> self, Supplier<String> clusterAddress,
      Function<String, String> leaderAddress) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.settings = settings;
    this.raft = raft;
    this.members = members;
    this.knownMembers = knownMembers;
    this.storage = storage;
    this.self = self;
    this.clusterAddress = clusterAddress;
    this.leaderAddress = leaderAddress;
  }

  private final java.util.Map<String, Long> restoredAt = new java.util.HashMap<>();
  /** Records (id and Raft address) already reported as naming no known member: one warning each. */
  private final java.util.Set<String> unknownReported = new java.util.HashSet<>();

  /**
   * Leader: puts back into the Raft configuration members that have a record but dropped out of it
   * (seen once: a listener missing from the configuration a new leader wrote after it had installed a
   * snapshot, which cut the listener off the log). At most once per 10 s per member. Only a member a
   * configuration named before ({@link KnownMembers}), at that address and in that role: a record
   * alone, which any writer of the log can forge, never makes a Raft member, let alone a voter. A node
   * that is not known this way gets in the way every node does, through join.
   */
  void restoreMembership(RaftNode.Status st, long now) {
    for (NodeRecord r : members.all()) {
      boolean inConfiguration = st.servers().containsKey(r.id()) || st.listeners().containsKey(r.id());
      if (inConfiguration || r.id().equals(nodeId) || r.state() == NodeRecord.State.Left
          || now - restoredAt.getOrDefault(r.id(), 0L) < 10_000) {
        continue;
      }
      restoredAt.put(r.id(), now);
      RaftMember back = knownMembers.restorable(r);
      if (back == null) {
        if (unknownReported.add(r.id() + "@" + r.addresses().raft())) {
          LOG.warn("node record names no member a Raft configuration held: not adding it to the configuration "
              + "(a node gets in by calling join) {} {}", kv("node", r.id()), kv("raftAddress", r.addresses().raft()));
        }
        continue;
      }
      LOG.warn("member missing from the Raft configuration: adding it back {} {}", kv("node", r.id()),
          kv("listener", back.listener()));
      joins = joins.compose(v -> vertx.executeBlocking(() -> {
        raft.admit(back.id(), back.raftAddress(), back.listener());
        return null;
      })).<Void>mapEmpty().recover(e -> {
        LOG.warn("adding {} back failed: {}", r.id(), e.getMessage());
        return Future.succeededFuture();
      });
    }
  }

  /** Leader: Ready nodes not heard from within the heartbeat timeout become Down. */
  void detectDown(long now) {
    for (NodeRecord silent : members.overdue(now, settings.heartbeatTimeout().toMillis())) {
      LOG.warn("node stopped heart-beating: marking it Down {} {}", kv("node", silent.id()),
          kv("timeout", settings.heartbeatTimeout().toMillis()));
      writeState(silent, NodeRecord.State.Down, "no heartbeat for " + settings.heartbeatTimeout().toSeconds() + "s");
    }
  }

  /** Adds the member to the Raft configuration if needed and records it Ready with its current addresses. */
  Future<NodeRecord> admit(Member m) {
    Future<NodeRecord> next = joins.compose(v -> vertx.executeBlocking(() -> {
      raft.admit(m.getId(), m.getRaftAddress(), !m.getServer());
      return null;
    })).compose(v -> {
      long now = System.currentTimeMillis();
      knownMembers.admitted(m.getId(), m.getRaftAddress(), !m.getServer(), now);
      NodeRecord known = members.get(m.getId());
      NodeRecord wanted = record(m, known == null ? now : known.registeredAt(), now);
      members.heard(m.getId(), -1, null, now);
      if (known != null && sameRegistration(known, wanted)) {
        return Future.succeededFuture(known);
      }
      return write(wanted, known == null ? EventTypes.NODE_JOINED : EventTypes.NODE_READY,
          known == null ? "joined the cluster" : "registered again").map(wanted);
    });
    joins = next.<Void>mapEmpty().recover(e -> Future.succeededFuture());
    return next;
  }

  private static boolean sameRegistration(NodeRecord a, NodeRecord b) {
    return a.state() == NodeRecord.State.Ready && a.name().equals(b.name()) && a.server() == b.server()
        && a.labels().equals(b.labels()) && a.addresses().equals(b.addresses()) && a.capacity().equals(b.capacity())
        && a.version().equals(b.version());
  }

  private void writeState(NodeRecord r, NodeRecord.State state, String reason) {
    String type = switch (state) {
      case Ready -> EventTypes.NODE_READY;
      case Down -> EventTypes.NODE_DOWN;
      case Left -> EventTypes.NODE_LEFT;
    };
    write(r.withState(state, System.currentTimeMillis()), type, reason);
  }

  /** One write per node at a time: a slow commit must not pile up duplicates. */
  Future<Void> write(NodeRecord r, String eventType, String reason) {
    if (!writesInFlight.add(r.id())) {
      return Future.succeededFuture();
    }
    // no event here: every node records the change as a cluster event when it applies it
    return storage.write(List.of(new Mutation.Put(Table.NODES, r.id(), r.withReason(reason))), List.of(), null)
        .onComplete(ar -> writesInFlight.remove(r.id()))
        .onFailure(e -> LOG.warn("recording node {} as {} failed: {}", r.id(), r.state(), e.getMessage()))
        .mapEmpty();
  }

  @Override
  public Future<HelloReply> hello(HelloRequest request) {
    RaftNode.Status st = raft.status();
    HelloReply.Builder reply = HelloReply.newBuilder().setSelf(self.get()).setFormed(raft.running())
        .putAllServers(st.servers());
    if (st.leaderId() != null) {
      reply.setLeaderId(st.leaderId());
      String address = st.leaderId().equals(nodeId) ? clusterAddress.get() : leaderAddress.apply(st.leaderId());
      if (address != null) {
        reply.setLeaderClusterAddress(address);
      }
    }
    return Future.succeededFuture(reply.build());
  }

  @Override
  public Future<JoinReply> join(JoinRequest request) {
    if (!raft.isLeader()) {
      return notLeader();
    }
    Member m = request.getMember();
    if (m.getId().isEmpty() || m.getRaftAddress().isEmpty() || m.getClusterAddress().isEmpty()) {
      return Future.failedFuture(new StatusException(GrpcStatus.INVALID_ARGUMENT, "member id and addresses are required"));
    }
    return admit(m).map(r -> JoinReply.newBuilder().putAllServers(raft.status().servers()).build())
        .recover(e -> Future.failedFuture(new StatusException(GrpcStatus.UNAVAILABLE, "admitting failed: " + e.getMessage())));
  }

  @Override
  public Future<HeartbeatReply> heartbeat(HeartbeatRequest request) {
    if (!raft.isLeader()) {
      return notLeader();
    }
    long now = System.currentTimeMillis();
    NodeRecord known = members.get(request.getId());
    members.heard(request.getId(), request.getAppliedIndex(), new ClusterBus.Usage(request.getCpuPercent(),
        request.getMemoryUsedBytes(), request.getDiskUsedBytes()), now);
    if (known != null && known.state() != NodeRecord.State.Ready) {
      writeState(known, NodeRecord.State.Ready, "heart-beating again");
    }
    RaftNode.Status st = raft.status();
    return Future.succeededFuture(HeartbeatReply.newBuilder().setLeaderId(nodeId).setTerm(st.term())
        .setCommitIndex(st.commitIndex()).addAllMembers(members.statuses(now)).setKnown(known != null).build());
  }

  @Override
  public Future<LeaveReply> leave(LeaveRequest request) {
    if (!raft.isLeader()) {
      return notLeader();
    }
    NodeRecord known = members.get(request.getId());
    if (known == null) {
      return Future.succeededFuture(LeaveReply.getDefaultInstance());
    }
    members.forget(request.getId());
    members.record(known.withState(NodeRecord.State.Left, System.currentTimeMillis()));
    return write(known.withState(NodeRecord.State.Left, System.currentTimeMillis()), EventTypes.NODE_LEFT,
        "left (clean shutdown)").map(LeaveReply.getDefaultInstance());
  }

  private <T> Future<T> notLeader() {
    RaftNode.Status st = raft.status();
    return Future.failedFuture(new StatusException(GrpcStatus.FAILED_PRECONDITION,
        "not the leader" + (st.leaderId() == null ? "; no leader is known" : "; the leader is " + st.leaderId())));
  }

  private static NodeRecord record(Member m, long registeredAt, long now) {
    return new NodeRecord(m.getId(), m.getName(), NodeRecord.State.Ready, m.getServer(),
        java.util.Map.copyOf(m.getLabelsMap()),
        new NodeRecord.Addresses(m.getApiAddress(), m.getS3Address(), m.getClusterAddress(), m.getRaftAddress()),
        new NodeRecord.Capacity(m.getCpuMillis(), m.getMemoryBytes(), m.getDiskBytes()), m.getVersion(),
        registeredAt, now, null);
  }
}

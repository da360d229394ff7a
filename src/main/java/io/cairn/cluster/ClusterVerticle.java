package io.cairn.cluster;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.bus.Bus;
import io.cairn.cluster.peer.v1.HeartbeatReply;
import io.cairn.cluster.peer.v1.HeartbeatRequest;
import io.cairn.cluster.peer.v1.HelloReply;
import io.cairn.cluster.peer.v1.HelloRequest;
import io.cairn.cluster.peer.v1.JoinReply;
import io.cairn.cluster.peer.v1.JoinRequest;
import io.cairn.cluster.peer.v1.LeaveReply;
import io.cairn.cluster.peer.v1.LeaveRequest;
import io.cairn.cluster.peer.v1.Member;
import io.cairn.cluster.peer.v1.PeerGrpcClient;
import io.cairn.cluster.peer.v1.PeerService;
import io.cairn.config.CairnConfig;
import io.cairn.events.EventTypes;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Event;
import io.cairn.resilience.Resilience;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import io.cairn.storage.StorageClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster component: forms or joins the Raft group, keeps this node registered and
 * heart-beating with the leader, and (on the leader) marks silent nodes Down. Serves the peer
 * gRPC service and answers node and cluster queries on the event bus. Every remote call goes
 * through {@link PeerClients} (Resilience: breaker per peer, timeout).
 */
public final class ClusterVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterVerticle.class);
  /** Peer calls: heartbeats are periodic, so one quick attempt; a breaker opens after 3 failures in a row. */
  private static final Resilience.Policy PEER_POLICY = new Resilience.Policy(Duration.ofMillis(1500), 2,
      Duration.ofMillis(50), Duration.ofMillis(500), 3, Duration.ofSeconds(2));

  private final String nodeId;
  private final CairnConfig.Cluster settings;
  private final RaftNode raft;
  private final Supplier<NodeRecord> self;
  private final Supplier<ClusterBus.Usage> usage;
  private final MeterRegistry registry;
  private final Duration timeout;
  private final Path portFile;
  private final Membership members;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Promise<Boolean> caughtUp = Promise.promise();
  private Resilience resilience;
  private PeerClients peers;
  private PeerEndpoint endpoint;
  private StorageClient storage;
  private Counter leaderChanges;
  private long timer;
  private int clusterPort;
  private boolean ticking;
  private boolean registered;
  /** What this node registered as: a change (its ports became known, a restart) registers again. */
  private Member registeredAs;
  private String lastLeader;
  private long lastTerm;
  /** Leader cluster address learned while joining, before the node records arrive. */
  private String leaderHint;
  /** Leader's commit index from its last heartbeat reply: caught up once applied reaches it. */
  private long catchUpTarget = -1;
  private final java.util.Set<String> writesInFlight = new java.util.HashSet<>();
  private Future<Void> joins = Future.succeededFuture();

  public ClusterVerticle(String nodeId, CairnConfig.Cluster settings, RaftNode raft, Supplier<NodeRecord> self,
      Supplier<ClusterBus.Usage> usage, MeterRegistry registry, Duration timeout, Path portFile) {
    this.nodeId = nodeId;
    this.settings = settings;
    this.raft = raft;
    this.self = self;
    this.usage = usage;
    this.registry = registry;
    this.timeout = timeout;
    this.portFile = portFile;
    this.members = new Membership(nodeId);
  }

  @Override
  public Future<?> start() {
    resilience = new Resilience(vertx, registry, PEER_POLICY);
    peers = new PeerClients(vertx, resilience, settings.secret());
    endpoint = new PeerEndpoint(vertx, settings.secret());
    storage = new StorageClient(vertx, timeout);
    raft.noQuorumHint(this::reachability);
    consumers.add(vertx.eventBus().<StorageBus.Applied>consumer(StorageBus.APPLIED, m -> applied(m.body())));
    return storage.<NodeRecord>scanAll(Table.NODES, "").onSuccess(members::reload)
        .compose(v -> endpoint.listen(settings.host(), settings.port(), new Service()))
        .compose(port -> {
          clusterPort = port;
          return vertx.executeBlocking(() -> Files.writeString(portFile, port + "\n"));
        })
        .onSuccess(v -> {
          serve();
          metrics();
          timer = vertx.setPeriodic(settings.heartbeatInterval().toMillis(), id -> tick());
          tick();
          LOG.info("cluster member listening {} {} {}", kv("clusterPort", clusterPort),
              kv("raft", raft.raftAddress()), kv("server", settings.server()));
        });
  }

  public String clusterAddress() {
    return settings.host() + ":" + clusterPort;
  }

  private void serve() {
    consumers.add(Bus.serve(vertx, ClusterBus.NODES, (ClusterBus.ListNodes q) -> {
      RaftNode.Status st = raft.status();
      return new ClusterBus.Nodes(members.all().stream().map(r -> members.view(r, st)).toList());
    }));
    consumers.add(Bus.serve(vertx, ClusterBus.NODE, (ClusterBus.GetNode q) -> members.view(q.id(), raft.status())));
    consumers.add(Bus.serve(vertx, ClusterBus.STATUS, (ClusterBus.StatusQuery q) -> status()));
    consumers.add(Bus.serve(vertx, ClusterBus.PEERS, (ClusterBus.PeersQuery q) -> peerViews()));
    consumers.add(Bus.serveAsync(vertx, ClusterBus.READ_INDEX, (ClusterBus.ReadIndex q, String requestId) ->
        Future.fromCompletionStage(raft.readIndex(), context).map(true)));
    consumers.add(Bus.serveAsync(vertx, ClusterBus.CAUGHT_UP, (ClusterBus.CaughtUp q, String requestId) ->
        caughtUp.future()));
    consumers.add(Bus.serveAsync(vertx, ClusterBus.REMOVE, (ClusterBus.RemoveNode q, String requestId) ->
        remove(q.id(), requestId)));
  }

  private void applied(StorageBus.Applied applied) {
    if (applied.reload()) {
      storage.<NodeRecord>scanAll(Table.NODES, "").onSuccess(members::reload);
      return;
    }
    for (StorageBus.Change c : applied.changes()) {
      if (c.table() == Table.NODES) {
        if (c.value() == null) {
          members.forget(c.key());
        } else {
          members.record((NodeRecord) c.value());
        }
      }
    }
  }

  // ---- forming, joining, heart-beating: one step per heartbeat interval ----

  private void tick() {
    if (ticking) {
      return;
    }
    ticking = true;
    Future<Void> step = raft.running() ? beat() : form();
    step.onComplete(ar -> {
      ticking = false;
      if (ar.failed()) {
        LOG.debug("cluster step failed: {}", ar.cause().getMessage());
      }
    });
  }

  /** Before this node belongs to a group: recover it, join an existing one, or bootstrap a new one. */
  private Future<Void> form() {
    if (raft.formed()) {
      return vertx.executeBlocking(() -> {
        raft.recover();
        return null;
      });
    }
    Member me = member(self.get());
    List<Future<HelloReply>> hellos = new ArrayList<>();
    for (String address : settings.join()) {
      if (!address.equals(clusterAddress())) {
        hellos.add(peers.call(address, address, PeerGrpcClient.Hello, HelloRequest.newBuilder().setFrom(me).build(), false)
            .otherwise((HelloReply) null));
      }
    }
    return Future.join(hellos).transform(ar -> {
      List<HelloReply> replies = hellos.stream().map(Future::result).filter(Objects::nonNull).toList();
      HelloReply formed = replies.stream().filter(HelloReply::getFormed)
          .filter(r -> !r.getLeaderClusterAddress().isEmpty()).findFirst().orElse(null);
      if (formed != null) {
        leaderHint = formed.getLeaderClusterAddress();
        LOG.info("joining the running cluster through {}", kv("leader", formed.getLeaderId()));
        return vertx.executeBlocking(() -> {
          raft.format(List.of()); // an empty member: the leader adds it to the configuration
          return null;
        });
      }
      // a server that bootstrapped before this one saw everybody names this one in its configuration:
      // start as that same group (there is no leader until enough of its members run)
      HelloReply namesMe = replies.stream().filter(HelloReply::getFormed)
          .filter(r -> r.getServersMap().containsKey(nodeId)).findFirst().orElse(null);
      if (namesMe != null && settings.server()) {
        LOG.info("starting as a member of the group a peer bootstrapped {}", kv("servers", namesMe.getServersMap().keySet()));
        return vertx.executeBlocking(() -> {
          raft.format(namesMe.getServersMap().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
              .map(e -> RaftNode.peer(e.getKey(), e.getValue(), false)).toList());
          return null;
        });
      }
      if (!settings.server() || replies.stream().anyMatch(HelloReply::getFormed)) {
        return Future.succeededFuture(); // wait for a leader to exist
      }
      List<Member> servers = new ArrayList<>(replies.stream().map(HelloReply::getSelf).filter(Member::getServer).toList());
      servers.add(me);
      servers.sort(Comparator.comparing(Member::getId));
      if (servers.size() < settings.bootstrapExpect()) {
        LOG.info("waiting for servers before the first election {} {}", kv("found", servers.size()),
            kv("expect", settings.bootstrapExpect()));
        return Future.succeededFuture();
      }
      List<Member> chosen = servers.subList(0, settings.bootstrapExpect());
      if (chosen.stream().noneMatch(m -> m.getId().equals(nodeId))) {
        return Future.succeededFuture(); // the first servers bootstrap; this one joins them afterwards
      }
      LOG.info("bootstrapping a new cluster {}", kv("servers", chosen.stream().map(Member::getId).toList()));
      return vertx.executeBlocking(() -> {
        raft.format(chosen.stream().map(m -> RaftNode.peer(m.getId(), m.getRaftAddress(), false)).toList());
        return null;
      });
    });
  }

  /** A member of the group: register once, then heartbeat the leader; the leader also detects Down nodes. */
  private Future<Void> beat() {
    RaftNode.Status st = raft.status();
    if (!Objects.equals(st.leaderId(), lastLeader) || st.term() != lastTerm) {
      if (st.leaderId() != null && !st.leaderId().equals(lastLeader)) {
        leaderChanges.increment();
        LOG.info("raft leader is {} {}", kv("leader", st.leaderId()), kv("term", st.term()));
      }
      lastLeader = st.leaderId();
      lastTerm = st.term();
      members.leaderChanged();
    }
    if (st.leaderId() == null) {
      return Future.succeededFuture();
    }
    Member me = member(self.get());
    if (!me.equals(registeredAs)) {
      registered = false;
    }
    if (st.leaderId().equals(nodeId)) {
      return raft.isLeader() ? leaderDuties() : Future.succeededFuture();
    }
    String leaderAddress = leaderAddress(st.leaderId());
    if (leaderAddress == null) {
      return Future.succeededFuture();
    }
    if (!registered) {
      return peers.call(st.leaderId(), leaderAddress, PeerGrpcClient.Join,
              JoinRequest.newBuilder().setMember(me).build(), false)
          .compose(reply -> joined(reply, me));
    }
    return vertx.executeBlocking(usage::get).compose(u -> peers.call(st.leaderId(), leaderAddress,
            PeerGrpcClient.Heartbeat, HeartbeatRequest.newBuilder().setId(nodeId).setAppliedIndex(st.appliedIndex())
                .setCpuPercent(u.cpuPercent()).setMemoryUsedBytes(u.memoryBytes()).setDiskUsedBytes(u.diskBytes())
                .build(), false))
        .onSuccess(reply -> {
          members.fromLeader(reply, System.currentTimeMillis());
          registered = reply.getKnown();
          catchUpTarget = Math.max(catchUpTarget, reply.getCommitIndex());
          checkCaughtUp();
        })
        .mapEmpty();
  }

  private Future<Void> joined(JoinReply reply, Member as) {
    registered = true;
    registeredAs = as;
    LOG.info("registered with the cluster leader");
    List<org.apache.ratis.protocol.RaftPeer> servers = reply.getServersMap().entrySet().stream()
        .map(e -> RaftNode.peer(e.getKey(), e.getValue(), false)).toList();
    return vertx.executeBlocking(() -> {
      raft.useServers(servers);
      return null;
    });
  }

  private Future<Void> leaderDuties() {
    long now = System.currentTimeMillis();
    if (!caughtUp.future().isComplete()) {
      caughtUp.tryComplete(true);
    }
    Member me = member(self.get());
    Future<Void> selfRegistration = registered ? Future.succeededFuture() : admit(me).onSuccess(r -> {
      registered = true;
      registeredAs = me;
    }).mapEmpty();
    return selfRegistration.compose(v -> vertx.executeBlocking(usage::get)).map(u -> {
      members.heard(nodeId, raft.status().appliedIndex(), u, now);
      for (NodeRecord silent : members.overdue(now, settings.heartbeatTimeout().toMillis())) {
        LOG.warn("node stopped heart-beating: marking it Down {} {}", kv("node", silent.id()),
            kv("timeout", settings.heartbeatTimeout().toMillis()));
        writeState(silent, NodeRecord.State.Down, "no heartbeat for " + settings.heartbeatTimeout().toSeconds() + "s");
      }
      return null;
    });
  }

  private void checkCaughtUp() {
    if (!caughtUp.future().isComplete() && catchUpTarget >= 0 && raft.status().appliedIndex() >= catchUpTarget) {
      LOG.info("caught up with the cluster {}", kv("appliedIndex", raft.status().appliedIndex()));
      caughtUp.tryComplete(true);
    }
  }

  private String leaderAddress(String leaderId) {
    NodeRecord r = members.get(leaderId);
    return r != null ? r.addresses().cluster() : leaderHint;
  }

  // ---- the leader's side of the peer service ----

  /** Adds the member to the Raft configuration if needed and records it Ready with its current addresses. */
  private Future<NodeRecord> admit(Member m) {
    Future<NodeRecord> next = joins.compose(v -> vertx.executeBlocking(() -> {
      raft.admit(m.getId(), m.getRaftAddress(), !m.getServer());
      return null;
    })).compose(v -> {
      long now = System.currentTimeMillis();
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
  private Future<Void> write(NodeRecord r, String eventType, String reason) {
    if (!writesInFlight.add(r.id())) {
      return Future.succeededFuture();
    }
    Event event = Event.of(eventType, r.state() == NodeRecord.State.Down ? Event.Severity.Warning : Event.Severity.Info,
        null, null, "node " + r.id() + " (" + r.name() + "): " + reason, null);
    return storage.write(List.of(new Mutation.Put(Table.NODES, r.id(), r)), List.of(event), null)
        .onComplete(ar -> writesInFlight.remove(r.id()))
        .onFailure(e -> LOG.warn("recording node {} as {} failed: {}", r.id(), r.state(), e.getMessage()))
        .mapEmpty();
  }

  private final class Service extends PeerService {
    @Override
    public Future<HelloReply> hello(HelloRequest request) {
      RaftNode.Status st = raft.status();
      HelloReply.Builder reply = HelloReply.newBuilder().setSelf(member(self.get())).setFormed(raft.running())
          .putAllServers(st.servers());
      if (st.leaderId() != null) {
        reply.setLeaderId(st.leaderId());
        String address = st.leaderId().equals(nodeId) ? clusterAddress() : leaderAddress(st.leaderId());
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
  }

  // ---- queries ----

  private ClusterBus.Status status() {
    RaftNode.Status st = raft.status();
    List<ClusterBus.ServerStatus> servers = new ArrayList<>();
    st.servers().forEach((id, address) -> servers.add(new ClusterBus.ServerStatus(id, address,
        id.equals(st.leaderId()) ? "leader" : "follower", id.equals(nodeId) ? st.appliedIndex() : members.appliedIndexOf(id))));
    st.listeners().forEach((id, address) -> servers.add(new ClusterBus.ServerStatus(id, address, "listener",
        id.equals(nodeId) ? st.appliedIndex() : members.appliedIndexOf(id))));
    return new ClusterBus.Status(nodeId, st.leaderId(), st.term(), st.commitIndex(), st.appliedIndex(), servers);
  }

  private ClusterBus.Peers peerViews() {
    List<ClusterBus.PeerView> out = new ArrayList<>();
    for (NodeRecord r : members.all()) {
      if (!r.id().equals(nodeId)) {
        out.add(new ClusterBus.PeerView(r.id(), r.addresses().cluster(), r.state().name(),
            peers.breaker(r.id()).name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), peers.lastContact(r.id())));
      }
    }
    return new ClusterBus.Peers(out);
  }

  /** "2 of 3 servers reachable": this node plus the servers it heard from within the heartbeat timeout. */
  private String reachability() {
    RaftNode.Status st = raft.status();
    long now = System.currentTimeMillis();
    long reachable = st.servers().keySet().stream().filter(id -> id.equals(nodeId) || recentlyContacted(id, now)).count();
    return reachable + " of " + st.servers().size() + " servers reachable from this node";
  }

  private boolean recentlyContacted(String id, long now) {
    Long last = peers.lastContact(id);
    return last != null && now - last <= settings.heartbeatTimeout().toMillis();
  }

  private Future<ClusterBus.NodeView> remove(String id, String requestId) {
    NodeRecord r = members.get(id);
    if (r == null) {
      return Future.failedFuture(CairnException.notFound("node", id));
    }
    if (r.state() == NodeRecord.State.Ready) {
      return Future.failedFuture(new CairnException(ErrorCode.FAILED_PRECONDITION, "node '" + id
          + "' is Ready: stop it first (only Down or Left nodes can be removed)"));
    }
    ClusterBus.NodeView view = members.view(r, raft.status());
    return vertx.executeBlocking(() -> {
      raft.remove(id);
      return null;
    }).compose(v -> storage.write(List.of(new Mutation.Delete(Table.NODES, id)), List.of(Event.of(EventTypes.NODE_REMOVED,
        Event.Severity.Info, null, null, "node " + id + " removed from the cluster", requestId)), requestId))
        .map(view);
  }

  // ---- records and metrics ----

  private Member member(NodeRecord r) {
    return Member.newBuilder().setId(r.id()).setName(r.name()).setServer(r.server())
        .setClusterAddress(clusterAddress()).setRaftAddress(raft.raftAddress()).setApiAddress(r.addresses().api())
        .setS3Address(r.addresses().s3()).putAllLabels(r.labels()).setCpuMillis(r.capacity().cpuMillis())
        .setMemoryBytes(r.capacity().memoryBytes()).setDiskBytes(r.capacity().diskBytes()).setVersion(r.version())
        .build();
  }

  private static NodeRecord record(Member m, long registeredAt, long now) {
    return new NodeRecord(m.getId(), m.getName(), NodeRecord.State.Ready, m.getServer(),
        java.util.Map.copyOf(m.getLabelsMap()),
        new NodeRecord.Addresses(m.getApiAddress(), m.getS3Address(), m.getClusterAddress(), m.getRaftAddress()),
        new NodeRecord.Capacity(m.getCpuMillis(), m.getMemoryBytes(), m.getDiskBytes()), m.getVersion(),
        registeredAt, now);
  }

  private void metrics() {
    leaderChanges = Counter.builder("cairn_raft_leader_changes_total")
        .description("Times this node saw the Raft leader change").register(registry);
    Gauge.builder("cairn_raft_term", raft, r -> r.status().term()).description("Current Raft term").register(registry);
    Gauge.builder("cairn_raft_commit_index", raft, r -> r.status().commitIndex())
        .description("Highest log index known committed").register(registry);
    Gauge.builder("cairn_raft_applied_index", raft, r -> r.status().appliedIndex())
        .description("Highest log index applied on this node").register(registry);
    for (NodeRecord.State state : NodeRecord.State.values()) {
      Gauge.builder("cairn_cluster_nodes", members, m -> m.all().stream().filter(r -> r.state() == state).count())
          .tag("state", state.name()).description("Cluster members by state").register(registry);
    }
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return leave()
        .compose(v -> vertx.executeBlocking(() -> {
          raft.close();
          return null;
        }))
        .compose(v -> Future.all(consumers.stream().map(MessageConsumer::unregister).toList()))
        .compose(v -> endpoint.close())
        .compose(v -> peers.close())
        .onComplete(ar -> resilience.close());
  }

  /** A clean shutdown tells the leader (or, as leader, records it directly), bounded by a short wait. */
  private Future<Void> leave() {
    RaftNode.Status st = raft.status();
    if (st.leaderId() == null || !registered) {
      return Future.succeededFuture();
    }
    NodeRecord mine = members.get(nodeId);
    Future<Void> told = st.leaderId().equals(nodeId)
        ? (mine == null ? Future.succeededFuture() : write(mine.withState(NodeRecord.State.Left,
            System.currentTimeMillis()), EventTypes.NODE_LEFT, "left (clean shutdown)"))
        : leaderAddress(st.leaderId()) == null ? Future.succeededFuture()
            : peers.call(st.leaderId(), leaderAddress(st.leaderId()), PeerGrpcClient.Leave,
                LeaveRequest.newBuilder().setId(nodeId).build(), false).mapEmpty();
    return told.timeout(2, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
  }
}

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
import io.cairn.resilience.Resilience;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import io.cairn.tasks.TasksBus;
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
  private KnownMembers known;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Promise<Boolean> caughtUp = Promise.promise();
  private Resilience resilience;
  private PeerClients peers;
  private PeerEndpoint endpoint;
  private StorageClient storage;
  private Counter leaderChanges;
  private long timer;
  private long contactTimer;
  /** How often this node tells its front ends what a local read is worth (ClusterBus.LEADER_CONTACT). */
  private static final long LEADER_CONTACT_EVERY_MILLIS = 200;
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
  /** Mutual TLS for the peer port and calls; null on plaintext (loopback) clusters. */
  private final io.cairn.tls.NodeTls tls;
  private LeaderSide leaderSide;
  private Formation formation;
  private LogForwarding logs;
  private TaskForwarding tasks;

  public ClusterVerticle(String nodeId, CairnConfig.Cluster settings, RaftNode raft, Supplier<NodeRecord> self,
      Supplier<ClusterBus.Usage> usage, MeterRegistry registry, Duration timeout, Path portFile, io.cairn.tls.NodeTls tls) {
    this.tls = tls;
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
    peers = new PeerClients(vertx, resilience, settings.secret(), tls);
    endpoint = new PeerEndpoint(vertx, settings.secret(), tls);
    storage = new StorageClient(vertx, timeout);
    raft.noQuorumHint(this::reachability);
    known = new KnownMembers(storage);
    MembershipLog membershipLog = new MembershipLog(members, storage, id -> known.removed(id, raft.status()));
    consumers.add(vertx.eventBus().<StorageBus.Applied>consumer(StorageBus.APPLIED, m -> membershipLog.applied(m.body())));
    return membershipLog.load()
        .compose(v -> known.load())
        .compose(v -> {
          formation = new Formation(vertx, nodeId, settings, raft, peers);
          leaderSide = new LeaderSide(vertx, nodeId, settings, raft, members, known, storage, () -> member(self.get()),
              this::clusterAddress, this::leaderAddress);
          logs = new LogForwarding(vertx, nodeId, peers, members, timeout);
          tasks = new TaskForwarding(vertx, nodeId, peers, members, timeout);
          return endpoint.listen(settings.host(), settings.port(), leaderSide, grpc -> {
            grpc.callHandler(io.cairn.cluster.peer.v1.PeerGrpcService.Logs, logs::serve);
            grpc.callHandler(io.cairn.cluster.peer.v1.PeerGrpcService.TaskGet, r -> tasks.serveUnary(r, false));
            grpc.callHandler(io.cairn.cluster.peer.v1.PeerGrpcService.TaskCancel, r -> tasks.serveUnary(r, true));
            grpc.callHandler(io.cairn.cluster.peer.v1.PeerGrpcService.TaskOutput, tasks::serveOutput);
          });
        })
        .compose(port -> {
          clusterPort = port;
          return vertx.executeBlocking(() -> {
            io.cairn.node.PrivateFiles.writeString(portFile, port + "\n");
            return null;
          });
        })
        .onSuccess(v -> {
          serve();
          metrics();
          timer = vertx.setPeriodic(settings.heartbeatInterval().toMillis(), id -> tick());
          contactTimer = vertx.setPeriodic(LEADER_CONTACT_EVERY_MILLIS,
              id -> vertx.eventBus().publish(ClusterBus.LEADER_CONTACT, raft.leaderContact()));
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
        Future.fromCompletionStage(raft.readIndex(), context).map(true)
            .recover(e -> Future.failedFuture(e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e))));
    consumers.add(Bus.serveAsync(vertx, ClusterBus.CAUGHT_UP, (ClusterBus.CaughtUp q, String requestId) ->
        caughtUp.future()));
    consumers.add(Bus.serveAsync(vertx, ClusterBus.FORWARD_LOGS, (ClusterBus.ForwardLogs q, String requestId) ->
        logs.forward(q)));
    consumers.add(Bus.serveAsync(vertx, TasksBus.ELSEWHERE_GET, (TasksBus.Get q, String r) -> tasks.get(q)));
    consumers.add(Bus.serveAsync(vertx, TasksBus.ELSEWHERE_CANCEL, (TasksBus.Cancel q, String r) -> tasks.cancel(q)));
    consumers.add(Bus.serveAsync(vertx, TasksBus.ELSEWHERE_OUTPUT, (TasksBus.Follow q, String r) -> tasks.output(q)));
    consumers.add(Bus.serveAsync(vertx, ClusterBus.REMOVE, (ClusterBus.RemoveNode q, String requestId) ->
        remove(q.id(), requestId)));
  }

  // ---- forming, joining, heart-beating: one step per heartbeat interval ----

  private void tick() {
    if (ticking) {
      return;
    }
    ticking = true;
    Future<Void> step = raft.running() ? beat() : formation.step(member(self.get()), clusterAddress())
        .onSuccess(hint -> leaderHint = hint != null ? hint : leaderHint).<Void>mapEmpty();
    step.onComplete(ar -> {
      ticking = false;
      if (ar.failed()) {
        LOG.debug("cluster step failed: {}", ar.cause().getMessage());
      }
    });
    if (raft.running()) {
      probeUnwell();
    }
  }

  /**
   * Says Hello to peers that are Down or whose breaker is not closed: a dead peer's breaker opens
   * (calls to it then fail fast), and closes again as soon as the peer answers. Healthy peers get
   * no extra traffic: heartbeats and forwarded calls are their probes.
   */
  private void probeUnwell() {
    HelloRequest hello = HelloRequest.newBuilder().setFrom(member(self.get())).build();
    for (NodeRecord r : members.all()) {
      boolean unwell = r.state() == NodeRecord.State.Down
          || peers.breaker(r.id()) != io.vertx.circuitbreaker.CircuitBreakerState.CLOSED;
      if (!r.id().equals(nodeId) && r.state() != NodeRecord.State.Left && unwell && probing.add(r.id())) {
        peers.call(r.id(), r.addresses().cluster(), PeerGrpcClient.Hello, hello, false)
            .onComplete(ar -> probing.remove(r.id()));
      }
    }
  }

  private final java.util.Set<String> probing = new java.util.HashSet<>();

  /**
   * A member of the group: notes who the Raft configuration holds ({@link KnownMembers}), registers
   * once, then heartbeats the leader; the leader also detects Down nodes and puts known members back.
   */
  private Future<Void> beat() {
    RaftNode.Status st = raft.status();
    known.observe(st, System.currentTimeMillis());
    if (!Objects.equals(st.leaderId(), lastLeader) || st.term() != lastTerm) {
      if (st.leaderId() != null && !st.leaderId().equals(lastLeader)) {
        leaderChanges.increment();
        LOG.info("raft leader is {} {}", kv("leader", st.leaderId()), kv("term", st.term()));
      }
      lastLeader = st.leaderId();
      lastTerm = st.term();
      members.leaderChanged();
    }
    Member me = member(self.get());
    if (st.leaderId() == null) {
      // a member that joined empty learns of the leader only once the leader added it: ask it to, and
      // if that one is not the leader any more (leadership moved meanwhile), find the current one
      if (registered || leaderHint == null) {
        return Future.succeededFuture();
      }
      return join(null, leaderHint, me).recover(e -> formation.currentLeader(me, clusterAddress())
          .onSuccess(hint -> leaderHint = hint != null ? hint : leaderHint).mapEmpty());
    }
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
      return join(st.leaderId(), leaderAddress, me);
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

  private Future<Void> join(String leaderId, String leaderAddress, Member me) {
    return peers.call(leaderId != null ? leaderId : leaderAddress, leaderAddress, PeerGrpcClient.Join,
            JoinRequest.newBuilder().setMember(me).build(), false)
        .compose(reply -> joined(reply, me));
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
    Future<Void> selfRegistration = registered ? Future.succeededFuture() : leaderSide.admit(me).onSuccess(r -> {
      registered = true;
      registeredAs = me;
    }).mapEmpty();
    return selfRegistration.compose(v -> vertx.executeBlocking(usage::get)).map(u -> {
      RaftNode.Status st = raft.status();
      members.heard(nodeId, st.appliedIndex(), u, now);
      leaderSide.detectDown(now);
      leaderSide.restoreMembership(st, now);
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
    }).compose(v -> storage.write(List.of(new Mutation.Delete(Table.NODES, id)), List.of(), requestId))
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
    vertx.cancelTimer(contactTimer);
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
        ? (mine == null ? Future.succeededFuture() : leaderSide.write(mine.withState(NodeRecord.State.Left,
            System.currentTimeMillis()), EventTypes.NODE_LEFT, "left (clean shutdown)"))
        : leaderAddress(st.leaderId()) == null ? Future.succeededFuture()
            : peers.call(st.leaderId(), leaderAddress(st.leaderId()), PeerGrpcClient.Leave,
                LeaveRequest.newBuilder().setId(nodeId).build(), false).mapEmpty();
    return told.timeout(2, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
  }
}

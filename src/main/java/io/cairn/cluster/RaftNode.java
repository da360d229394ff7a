package io.cairn.cluster;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.storage.CommandApplier;
import io.cairn.storage.ControlLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's member of the Raft group (Apache Ratis): its server (voter or listener), a client to
 * submit commands to the leader, and the {@link ControlLog} the storage component writes through.
 * Election, replication and membership agreement are Ratis's; this class only configures and asks.
 */
public final class RaftNode {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
  /** One group per cluster; the secret, not the group id, keeps clusters apart. */
  static final RaftGroupId GROUP = RaftGroupId.valueOf(UUID.nameUUIDFromBytes("cairn-control".getBytes()));
  /** Election timeouts: a dead leader is replaced in about 1-2 s on loopback. */
  private static final TimeDuration ELECTION_MIN = TimeDuration.valueOf(500, TimeUnit.MILLISECONDS);
  private static final TimeDuration ELECTION_MAX = TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS);
  /** Ratis client: each attempt waits this long, then sleeps RETRY_SLEEP; writeTimeout bounds the whole. */
  private static final TimeDuration CLIENT_REQUEST_TIMEOUT = TimeDuration.valueOf(1500, TimeUnit.MILLISECONDS);
  private static final TimeDuration RETRY_SLEEP = TimeDuration.valueOf(200, TimeUnit.MILLISECONDS);
  /** A read-index attempt that takes longer went to a member that is no longer the leader. */
  private static final Duration READ_ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
  /** A leader not heard from for this long (two election timeouts) is not a known leader any more. */
  /** Largest gRPC message on the Raft port, either way. */
  private static final SizeInBytes MESSAGE_SIZE_MAX = SizeInBytes.valueOf("32MB");
  private static final Duration LEADER_FORGOTTEN = Duration.ofMillis(2 * ELECTION_MAX.toLong(TimeUnit.MILLISECONDS));

  private final String nodeId;
  private final Path storageDir;
  private final String host;
  private final int raftPort;
  private final Duration writeTimeout;
  private final int snapshotThreshold;
  private volatile CommandApplier applier;
  private volatile RaftServer server;
  private volatile RaftClient client;
  private volatile Supplier<String> noQuorumHint = () -> "no leader reachable";

  private final io.micrometer.core.instrument.MeterRegistry registry;
  /** Mutual TLS for the server and this node's clients; empty parameters: plaintext (loopback clusters). */
  private final Parameters transport;
  private RaftWrites writes;

  public RaftNode(String nodeId, Path storageDir, String host, int raftPort, Duration writeTimeout,
      int snapshotThreshold, io.micrometer.core.instrument.MeterRegistry registry) {
    this(nodeId, storageDir, host, raftPort, writeTimeout, snapshotThreshold, registry, null);
  }

  /** With {@code tls}, the Raft port speaks mutual TLS only. */
  public RaftNode(String nodeId, Path storageDir, String host, int raftPort, Duration writeTimeout,
      int snapshotThreshold, io.micrometer.core.instrument.MeterRegistry registry, io.cairn.tls.NodeTls tls) {
    this.transport = tls == null ? new Parameters() : RaftTls.parameters(tls);
    this.registry = registry;
    this.nodeId = nodeId;
    this.storageDir = storageDir;
    this.host = host;
    this.raftPort = raftPort;
    this.writeTimeout = writeTimeout;
    this.snapshotThreshold = snapshotThreshold;
  }

  /** The control log over the store's applier; the storage component calls this once it opened the store. */
  public ControlLog attach(CommandApplier applier) {
    this.applier = applier;
    this.writes = new RaftWrites(() -> server != null ? client : null, applier, writeTimeout, () -> noQuorumHint.get(),
        registry);
    return writes;
  }

  public String nodeId() {
    return nodeId;
  }

  public String raftAddress() {
    return host + ":" + raftPort;
  }

  /** What the "no quorum" message adds, e.g. "1 of 3 servers reachable" (membership knows). */
  public void noQuorumHint(Supplier<String> hint) {
    this.noQuorumHint = hint;
  }

  /** Whether this node belonged to a group before (its Raft storage holds one): then it recovers. */
  public boolean formed() {
    return Files.isDirectory(storageDir.resolve(GROUP.getUuid().toString()));
  }

  public boolean running() {
    return server != null;
  }

  /** Starts a new group of {@code peers} (bootstrap), or an empty member that a leader will add (join). */
  public synchronized void format(List<RaftPeer> peers) throws IOException {
    start(RaftGroup.valueOf(GROUP, peers), RaftStorage.StartupOption.FORMAT);
    useServers(peers);
  }

  /** Restarts as the member this node was: the configuration comes from its own log. */
  public synchronized void recover() throws IOException {
    start(RaftGroup.valueOf(GROUP), RaftStorage.StartupOption.RECOVER);
    useServers(new ArrayList<>(division().getRaftConf().getCurrentPeers()));
  }

  private void start(RaftGroup group, RaftStorage.StartupOption option) throws IOException {
    if (applier == null) {
      throw new IllegalStateException("the state store is not attached yet");
    }
    RaftProperties properties = new RaftProperties();
    // gRPC: the transport with TLS for the log and with the server-to-server async protocol, so a
    // follower can serve a linearizable read itself; admin and client calls share the server's port
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setHost(properties, host);
    GrpcConfigKeys.Server.setPort(properties, raftPort);
    // bounded frames: a peer's forged length must not cost the node its memory; snapshot chunks and
    // appended batches stay well below the cap (Ratis wants the cap 1 MB above the append buffer)
    GrpcConfigKeys.setMessageSizeMax(properties, MESSAGE_SIZE_MAX);
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(properties, SizeInBytes.valueOf("4MB"));
    RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(properties, SizeInBytes.valueOf("4MB"));
    RaftServerConfigKeys.setStorageDir(properties, List.of(storageDir.toFile()));
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, ELECTION_MIN);
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, ELECTION_MAX);
    RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // no commit-index entry after each commit: it doubled the log and cost every write a round;
    // the applied index lives in RocksDB, and a restarted server learns the commit index from a leader
    RaftServerConfigKeys.Log.setLogMetadataEnabled(properties, false);
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, snapshotThreshold);
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
    RaftServerConfigKeys.Log.setPurgeGap(properties, snapshotThreshold); // purge after every snapshot
    // small segments, so a snapshot lets the log actually shrink
    RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf("128KB"));
    // expert tuning: any Ratis key given as a JVM system property (-Draft.server....=...) wins
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("raft."))
        .forEach(k -> properties.set(k, System.getProperty(k)));
    io.cairn.node.PrivateFiles.createDirectories(storageDir);
    server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(nodeId))
        .setGroup(group)
        .setProperties(properties)
        .setStateMachine(new RaftStateMachine(applier))
        .setOption(option)
        .setParameters(transport)
        .build();
    server.start();
    LOG.info("raft member started ({}) at {} with {} peers", option, raftAddress(), group.getPeers().size());
  }

  /** (Re)builds the client that submits commands, towards these servers. */
  public synchronized void useServers(Collection<RaftPeer> servers) {
    if (servers.isEmpty()) {
      return;
    }
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, CLIENT_REQUEST_TIMEOUT);
    GrpcConfigKeys.setMessageSizeMax(properties, MESSAGE_SIZE_MAX);
    // writes retry until their own deadline (EntrySubmitter); configuration changes this many times
    int attempts = (int) Math.max(2, writeTimeout.toMillis() / RETRY_SLEEP.toLong(TimeUnit.MILLISECONDS) + 1);
    RaftClient previous = client;
    client = RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(RaftGroup.valueOf(GROUP, servers))
        .setRetryPolicy(EntrySubmitter.retryPolicy(RETRY_SLEEP, attempts))
        .setParameters(transport)
        .build();
    closeQuietly(previous);
  }

  public static RaftPeer peer(String id, String raftAddress, boolean listener) {
    return RaftPeer.newBuilder().setId(id).setAddress(raftAddress)
        .setStartupRole(listener ? RaftPeerRole.LISTENER : RaftPeerRole.FOLLOWER).build();
  }

  /** A linearizable read point: completes once this node has applied everything committed before now. */
  public CompletableFuture<Void> readIndex() {
    if (client == null) {
      return CompletableFuture.failedFuture(new CairnException(ErrorCode.UNAVAILABLE, "no Raft group yet"));
    }
    long deadline = System.nanoTime() + writeTimeout.toNanos();
    return readIndexAttempt(deadline)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(new CairnException(ErrorCode.UNAVAILABLE,
            "no quorum: a consistent read needs the leader (" + noQuorumHint.get() + ")")));
  }

  /**
   * Sends the read to the member this node knows as leader: the leader confirms its leadership with
   * a quorum and answers its applied index. Never to another member: a follower would ask the
   * leader for the index over Ratis's asynchronous server protocol, which the Netty transport does
   * not have (the request would hang). A leader that changed meanwhile costs one short attempt.
   */
  private CompletableFuture<Void> readIndexAttempt(long deadline) {
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      return CompletableFuture.failedFuture(new IOException("no read index before the deadline"));
    }
    return reads.readIndex().copy() // the round is shared: time out only this read's wait
        .orTimeout(Math.min(remaining, READ_ATTEMPT_TIMEOUT.toNanos()), TimeUnit.NANOSECONDS)
        .thenCompose(applier::awaitApplied)
        .exceptionallyCompose(e -> retryReadIndex(deadline));
  }

  private final ReadIndexRounds reads = new ReadIndexRounds(this::readIndexRound);

  /** One blocking read-index round to the member this node knows as leader: the index to have applied. */
  private long readIndexRound() throws IOException {
    RaftClient c = client;
    RaftPeerId leader = knownLeader();
    if (c == null || leader == null) {
      throw new IOException("no leader known");
    }
    RaftClientReply reply = c.io().sendReadOnly(Message.valueOf(ByteString.copyFromUtf8("readIndex")), leader);
    if (!reply.isSuccess()) {
      throw reply.getException() != null ? reply.getException() : new IOException("read index refused");
    }
    return Long.parseLong(reply.getMessage().getContent().toStringUtf8());
  }

  private CompletableFuture<Void> retryReadIndex(long deadline) {
    return CompletableFuture.supplyAsync(() -> null,
            CompletableFuture.delayedExecutor(RETRY_SLEEP.toLong(TimeUnit.MILLISECONDS), TimeUnit.MILLISECONDS))
        .thenCompose(x -> readIndexAttempt(deadline));
  }

  private RaftPeerId knownLeader() {
    try {
      return division().getInfo().getLeaderId();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** This member as Ratis sees it now. */
  public record Status(String role, String leaderId, long term, long commitIndex, long appliedIndex,
      Map<String, String> servers, Map<String, String> listeners) {}

  public Status status() {
    try {
      return currentStatus(division());
    } catch (IOException | RuntimeException e) { // not started, or still starting up
      return new Status("none", null, 0, 0, 0, Map.of(), Map.of());
    }
  }

  private Status currentStatus(RaftServer.Division d) {
    var info = d.getInfo();
    if (!info.isAlive()) { // stopped applying (its store failed): it keeps no role
      return new Status("stopped", null, info.getCurrentTerm(), d.getRaftLog().getLastCommittedIndex(),
          info.getLastAppliedIndex(), Map.of(), Map.of());
    }
    Map<String, String> servers = new java.util.TreeMap<>();
    Map<String, String> listeners = new java.util.TreeMap<>();
    var conf = d.getRaftConf();
    conf.getCurrentPeers(RaftPeerRole.FOLLOWER).forEach(p -> servers.put(p.getId().toString(), p.getAddress()));
    conf.getCurrentPeers(RaftPeerRole.LISTENER).forEach(p -> listeners.put(p.getId().toString(), p.getAddress()));
    // Ratis reports a listener as FOLLOWER: the configuration says what this member is
    String role = listeners.containsKey(nodeId) ? "listener" : switch (info.getCurrentRole()) {
      case LEADER -> "leader";
      case FOLLOWER -> "follower";
      case CANDIDATE -> "candidate";
      case LISTENER -> "listener";
      default -> "none";
    };
    RaftPeerId leader = info.getLeaderId();
    return new Status(role, leader == null ? null : leader.toString(), info.getCurrentTerm(),
        d.getRaftLog().getLastCommittedIndex(), info.getLastAppliedIndex(), servers, listeners);
  }

  /**
   * Whether this member knows a leader that it heard from lately (within {@link #LEADER_FORGOTTEN}),
   * and how long ago it last did (0 on the leader itself): what a local read is worth.
   */
  public ClusterBus.LeaderContact leaderContact() {
    try {
      var info = division().getInfo();
      if (info.getLeaderId() == null) {
        return new ClusterBus.LeaderContact(false, -1);
      }
      var role = info.getRoleInfoProto();
      long since = switch (role.getPeerInfoCase()) {
        case LEADERINFO -> 0;
        case FOLLOWERINFO -> role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs();
        case CANDIDATEINFO -> role.getCandidateInfo().getLastLeaderElapsedTimeMs();
        default -> -1;
      };
      boolean known = since >= 0 && since < LEADER_FORGOTTEN.toMillis() && (!info.isLeader() || info.isLeaderReady());
      return new ClusterBus.LeaderContact(known, since);
    } catch (IOException | RuntimeException e) {
      return new ClusterBus.LeaderContact(false, -1);
    }
  }

  public boolean isLeader() {
    try {
      var info = division().getInfo();
      return server != null && info.isAlive() && info.isLeader() && info.isLeaderReady();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * On the leader: makes the configuration hold {@code member} (voter or listener) at {@code address}.
   * Ratis catches the new member up (log or snapshot) before the change commits.
   */
  public void admit(String member, String address, boolean listener) throws IOException {
    var conf = division().getRaftConf();
    List<RaftPeer> servers = new ArrayList<>();
    List<RaftPeer> listeners = new ArrayList<>();
    conf.getCurrentPeers(RaftPeerRole.FOLLOWER).forEach(p -> {
      if (!p.getId().toString().equals(member)) {
        servers.add(p);
      }
    });
    conf.getCurrentPeers(RaftPeerRole.LISTENER).forEach(p -> {
      if (!p.getId().toString().equals(member)) {
        listeners.add(p);
      }
    });
    RaftPeer existing = conf.getPeer(RaftPeerId.valueOf(member), RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER);
    boolean wasListener = conf.getPeer(RaftPeerId.valueOf(member), RaftPeerRole.LISTENER) != null;
    if (existing != null && existing.getAddress().equals(address) && wasListener == listener) {
      return; // already there as asked
    }
    (listener ? listeners : servers).add(peer(member, address, listener));
    setConfiguration(servers, listeners);
  }

  /** On the leader: drops a member from the configuration (cairn node remove). */
  public void remove(String member) throws IOException {
    var conf = division().getRaftConf();
    List<RaftPeer> servers = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
    List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
    servers.removeIf(p -> p.getId().toString().equals(member));
    listeners.removeIf(p -> p.getId().toString().equals(member));
    setConfiguration(servers, listeners);
  }

  private void setConfiguration(List<RaftPeer> servers, List<RaftPeer> listeners) throws IOException {
    RaftClient c = client;
    if (c == null) {
      throw new IOException("no client yet");
    }
    RaftClientReply reply = c.admin().setConfiguration(servers, listeners);
    if (!reply.isSuccess()) {
      throw reply.getException() != null ? reply.getException() : new IOException("configuration change refused");
    }
    useServers(servers);
  }

  private RaftServer.Division division() throws IOException {
    RaftServer s = server;
    if (s == null) {
      throw new IOException("not started");
    }
    return s.getDivision(GROUP);
  }

  public synchronized void close() {
    if (writes != null) {
      writes.close();
    }
    reads.close();
    closeQuietly(client);
    client = null;
    if (server != null) {
      try {
        server.close();
      } catch (IOException e) {
        LOG.warn("closing the raft server: {}", e.getMessage());
      }
      server = null;
    }
  }

  private static void closeQuietly(RaftClient c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}

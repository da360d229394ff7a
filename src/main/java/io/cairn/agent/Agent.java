package io.cairn.agent;

import io.cairn.node.PrivateFiles;
import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.api.ApiMetrics;
import io.cairn.api.ApiVerticle;
import io.cairn.bus.Bus;
import io.cairn.config.CairnConfig;
import io.cairn.events.AuthDenials;
import io.cairn.events.EventTypes;
import io.cairn.health.HealthBus;
import io.cairn.health.HealthVerticle;
import io.cairn.model.Event;
import io.cairn.net.ConnectionGuard;
import io.cairn.net.RateLimits;
import io.cairn.node.NodeResources;
import io.cairn.reconcile.ReconcileBus;
import io.cairn.reconcile.ReconcileMetrics;
import io.cairn.reconcile.ReconcileVerticle;
import io.cairn.registry.RegistryBus;
import io.cairn.registry.RegistryVerticle;
import io.cairn.runtime.LogFiles;
import io.cairn.runtime.ProcessDriver;
import io.cairn.runtime.RuntimeBus;
import io.cairn.runtime.RuntimeVerticle;
import io.cairn.storage.StorageBus;
import io.cairn.storage.StorageClient;
import io.cairn.storage.StorageVerticle;
import io.cairn.storage.ChunkVerticle;
import io.cairn.objects.ChunkPlacement;
import io.cairn.objects.ChunkStore;
import io.cairn.objects.StorageMetrics;
import io.cairn.s3.S3Keys;
import io.cairn.tasks.TasksBus;
import io.cairn.tasks.TasksVerticle;
import io.cairn.s3.S3Verticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cairn node: a Vert.x instance with the component verticles deployed in dependency order.
 * Start-up is one compose chain; {@link #stop()} undeploys in the reverse order.
 */
public final class Agent {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final CairnConfig config;
  private final String nodeId;
  private final String version;
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final List<String> deployments = new ArrayList<>();
  private final List<ApiVerticle> apiInstances = new java.util.concurrent.CopyOnWriteArrayList<>();
  private ReconcileVerticle reconcile;
  /** Refused requests of the API and S3 front ends, counted per source (one shared instance). */
  private AuthDenials denials;
  /** TLS identity (or plaintext) of every port, its rotation and expiry warnings. */
  private NodeTransport transport;
  /** Sources tracked one by one; a flood from more shares one bucket, so memory stays bounded. */
  private static final int MAX_DENIAL_SOURCES = 1024;
  private volatile int httpPort;
  private volatile int s3Port;
  /** --dev generated the S3 key pair: write it to DATA_DIR/s3.env (never done for a configured pair). */
  private boolean writeS3Env;

  private Agent(CairnConfig config, String nodeId, String version, Vertx vertx, PrometheusMeterRegistry registry) {
    this.config = config;
    this.nodeId = nodeId;
    this.version = version;
    this.vertx = vertx;
    this.registry = registry;
  }

  /** Builds the node and resolves once every component is deployed and the HTTP port is open. */
  public static Future<Agent> start(CairnConfig config, String nodeId, String version) {
    return start(config, nodeId, version, false);
  }

  public static Future<Agent> start(CairnConfig config, String nodeId, String version, boolean writeS3Env) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
            .setJvmMetricsEnabled(true)
            // per-message meter lookups cost a third of an API call; components export their own counts
            .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    Bus.registerCodecs(vertx, Stream.of(StorageBus.MESSAGE_TYPES, RuntimeBus.MESSAGE_TYPES,
        ReconcileBus.MESSAGE_TYPES, HealthBus.MESSAGE_TYPES, RegistryBus.MESSAGE_TYPES, TasksBus.MESSAGE_TYPES, io.cairn.acl.AclBus.MESSAGE_TYPES,
        io.cairn.cluster.ClusterBus.MESSAGE_TYPES).flatMap(List::stream).toList());
    Agent agent = new Agent(config, nodeId, version, vertx, registry);
    agent.writeS3Env = writeS3Env;
    // On failure, close Vert.x and report the cause from outside its (then terminated) event loops.
    return Future.fromCompletionStage(agent.deployAll().map(agent).toCompletionStage()
        .exceptionallyCompose(e -> vertx.close().toCompletionStage()
            .handle((v, closeError) -> { throw new java.util.concurrent.CompletionException(e); })));
  }

  private Future<Void> deployAll() {
    long startedAt = System.currentTimeMillis();
    Path data = config.dataDir();
    LogFiles logs = new LogFiles(data.resolve("logs"), config.logsMaxFileBytes(), config.logsMaxFiles());
    io.cairn.runtime.Isolation isolation;
    try {
      isolation = io.cairn.runtime.Isolation.create(config.runtime().user(), config.runtime().allowedDirs(),
          config.runtime().pidsMax(), data.resolve("work"));
      restrictDataDir(data, isolation.switchesUser());
    } catch (IllegalArgumentException | java.io.IOException e) {
      return Future.failedFuture(e);
    }
    ProcessDriver driver = new ProcessDriver(nodeId, logs, isolation, new io.cairn.runtime.LogPumps(registry));
    ChunkStore chunks;
    StorageMetrics storageMetrics = new StorageMetrics(registry);
    try {
      chunks = new ChunkStore(data.resolve("chunks"), ChunkStore.Compression.valueOf(config.compression()), storageMetrics);
    } catch (java.io.IOException e) {
      return Future.failedFuture(e);
    }
    // an API body (at most http.maxBodySize) must arrive within the request timeout; S3 bodies may
    // stream for as long as they keep coming (the idle timeout ends a silent one)
    StorageClient events = new StorageClient(vertx, config.requestTimeout());
    denials = new AuthDenials(vertx, e -> events.write(List.of(), List.of(e), e.requestId()),
        config.auth().deniedWindow(), MAX_DENIAL_SOURCES);
    denials.start();
    try {
      transport = NodeTransport.open(config.tls(), registry, denials);
    } catch (Exception e) {
      return Future.failedFuture(new IllegalArgumentException("TLS: " + e.getMessage(), e));
    }
    transport.watch(vertx);
    ConnectionGuard apiGuard = new ConnectionGuard("http", config.httpListener(), config.requestTimeout(), registry,
        transport.httpTransport("api"));
    ConnectionGuard s3Guard = new ConnectionGuard("s3", config.s3Listener(), java.time.Duration.ZERO, registry,
        transport.httpTransport("s3"));
    S3Verticle s3 = new S3Verticle(new S3Verticle.Settings(config.s3Host(), config.s3Port(), config.s3Region(),
        config.s3Domain(), config.s3AccessKeyId(), config.s3SecretAccessKey(), (int) config.chunkSize(), config.requestTimeout()),
        ChunkPlacement.local(nodeId), s3Guard, denials, new RateLimits("s3", config.limits(), registry));
    RateLimits apiLimits = new RateLimits("api", config.limits(), registry);
    ApiMetrics apiMetrics = ApiVerticle.metrics(registry);
    reconcile = new ReconcileVerticle(config, nodeId, new ReconcileMetrics(registry));
    StorageVerticle.ObjectStoreOptions objectStore = new StorageVerticle.ObjectStoreOptions(chunks, storageMetrics,
        config.chunkGcGrace(), config.gcInterval(), config.scrubInterval(), config.scrubBytesPerSecond(),
        config.multipartExpiry(), config.diskThresholdPercent());
    io.cairn.cluster.RaftNode raft;
    try {
      if (config.cluster().enabled()) { // the Raft log's own directory, private like the state
        PrivateFiles.createDirectories(data.resolve("raft"));
      }
      raft = config.cluster().enabled() ? new io.cairn.cluster.RaftNode(nodeId, data.resolve("raft"),
          config.cluster().host(), raftPort(), config.cluster().writeTimeout(), config.cluster().snapshotThreshold(), registry,
          transport.tls()) : null;
    } catch (java.io.IOException e) {
      return Future.failedFuture(e);
    }
    NodeResources resources = new NodeResources(data);
    StorageVerticle storage = raft == null
        ? new StorageVerticle(data.resolve("state"), nodeId, config.eventsMaxEntries(), config.syncWrites(), objectStore)
        : new StorageVerticle(data.resolve("state"), nodeId, config.eventsMaxEntries(), config.syncWrites(), objectStore,
            raft::attach);
    return deploy(storage, worker("cairn-storage"))
        .compose(v -> raft == null ? Future.succeededFuture() : deployCluster(raft, resources))
        .compose(v -> deploy(() -> new ChunkVerticle(nodeId, chunks, storageMetrics),
            worker("cairn-chunks").setInstances(CHUNK_WORKERS).setWorkerPoolSize(CHUNK_WORKERS)))
        .compose(v -> deploy(new io.cairn.acl.AclVerticle(config.requestTimeout()), new DeploymentOptions()))
        .compose(v -> deploy(new RuntimeVerticle(nodeId, driver, logs), worker("cairn-runtime")))
        .compose(v -> deploy(new RegistryVerticle(nodeId, new RegistryVerticle.Options(config.registry().backend(),
            config.registry().redisUrl(), config.registry().ttl(), config.registry().heartbeatInterval(),
            config.registry().redisTimeout(), config.cluster().enabled()), registry), new DeploymentOptions()))
        .compose(v -> deploy(reconcile, new DeploymentOptions()))
        .compose(v -> deploy(new TasksVerticle(nodeId, config, registry, isolation), new DeploymentOptions()))
        .compose(v -> deploy(new HealthVerticle(nodeId, nodeName(), version, startedAt, new NodeResources(data),
            this::listeners, config.diskThresholdPercent(), isolation.describe(), config.nodeLabels(),
            config.cluster().enabled(), config.cluster().enabled() || config.tls().enabled() ? transport::status : null),
            new DeploymentOptions()))
        .compose(v -> deploy(() -> {
          ApiVerticle instance = new ApiVerticle(config, nodeId, registry, apiMetrics, apiGuard, denials, apiLimits);
          apiInstances.add(instance);
          return instance;
        }, new DeploymentOptions().setInstances(apiInstanceCount())))
        .compose(v -> {
          httpPort = apiInstances.get(0).actualPort();
          if (apiInstances.stream().anyMatch(a -> a.actualPort() != httpPort)) {
            return Future.failedFuture("API instances did not share one port");
          }
          return vertx.executeBlocking(() -> {
            PrivateFiles.writeString(config.httpPortFile(), httpPort + "\n");
            return null;
          });
        })
        .compose(v -> deploy(s3, new DeploymentOptions()))
        .compose(v -> {
          s3Port = s3.actualPort();
          return vertx.executeBlocking(() -> {
            PrivateFiles.writeString(config.s3PortFile(), s3Port + "\n");
            if (writeS3Env) {
              S3Keys.writeEnv(config.s3EnvFile(), config, s3Port);
            }
            return null;
          });
        })
        .compose(v -> config.health().port() == 0 ? Future.succeededFuture()
            : deploy(new io.cairn.api.ProbeListener(config.health().host(), config.health().port(), registry),
                new DeploymentOptions()))
        .compose(v -> record(EventTypes.AGENT_STARTED, "version " + version + ", http port " + httpPort))
        .onSuccess(v -> LOG.info("node started {} {} {}", kv("httpPort", httpPort), kv("s3Port", s3Port),
            kv("dataDir", data.toString())));
  }

  /** The cluster component, after storage: the Raft member needs the store, every later write needs the log. */
  private Future<Void> deployCluster(io.cairn.cluster.RaftNode raft, NodeResources resources) {
    return vertx.executeBlocking(resources::snapshot).compose(snapshot -> {
      long registeredAt = System.currentTimeMillis();
      java.util.function.Supplier<io.cairn.cluster.NodeRecord> self = () -> new io.cairn.cluster.NodeRecord(nodeId,
          nodeName(), io.cairn.cluster.NodeRecord.State.Ready, config.cluster().server(), config.nodeLabels(),
          new io.cairn.cluster.NodeRecord.Addresses(config.httpHost() + ":" + httpPort, config.s3Host() + ":" + s3Port,
              "", raft.raftAddress()),
          new io.cairn.cluster.NodeRecord.Capacity(snapshot.capacity().cpuMillis(), snapshot.capacity().memoryBytes(),
              snapshot.capacity().diskBytes()), version, registeredAt, registeredAt, null);
      java.util.function.Supplier<io.cairn.cluster.ClusterBus.Usage> usage = () -> {
        NodeResources.Snapshot now = resources.snapshot();
        return new io.cairn.cluster.ClusterBus.Usage(now.cpuPercent(), now.used().memoryBytes(), now.used().diskBytes());
      };
      return deploy(new io.cairn.cluster.ClusterVerticle(nodeId, config.cluster(), raft, self, usage, registry,
          config.requestTimeout(), config.clusterPortFile(), transport.tls()), new DeploymentOptions());
    });
  }

  /**
   * cluster.raftPort, or with 0 a free port chosen once and kept in DATA_DIR/raft.port: the Raft
   * configuration other servers hold names this address, so it must survive a restart.
   */
  private int raftPort() throws java.io.IOException {
    if (config.cluster().raftPort() != 0) {
      return config.cluster().raftPort();
    }
    Path file = config.raftPortFile();
    if (Files.exists(file)) {
      return Integer.parseInt(Files.readString(file).trim());
    }
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getByName(config.cluster().host()))) {
      port = probe.getLocalPort();
    }
    PrivateFiles.writeString(file, port + "\n");
    return port;
  }

  /**
   * State, logs and s3.env hold workload env values and keys: only the node's user may read them.
   * When processes run as another user, the data dir and work/ stay traversable (not readable) so
   * each can reach its own directory under work/; everything else in the data dir is 0600 / 0700.
   * What an older version left looser (0644 port files, 0755 chunk directories), or a library wrote
   * under a loose umask (RocksDB, Ratis), is tightened here; each run's directory under work/ is the
   * run user's own and stays as it is.
   */
  private static void restrictDataDir(Path data, boolean otherRunUser) throws java.io.IOException {
    var traverse = java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x");
    PrivateFiles.createDirectories(data);
    Files.setPosixFilePermissions(data, otherRunUser ? traverse : PrivateFiles.DIR);
    for (String dir : List.of("state", "logs", "chunks", "work")) {
      Path d = PrivateFiles.createDirectories(data.resolve(dir));
      Files.setPosixFilePermissions(d, otherRunUser && dir.equals("work") ? traverse : PrivateFiles.DIR);
    }
    int changed = PrivateFiles.tighten(data, java.util.Set.of(data.resolve("work")));
    if (changed > 0) {
      LOG.info("data dir modes tightened {} {}", kv("dataDir", data.toString()), kv("entries", changed));
    }
  }

  /** The listening sockets opened so far (the liveness probe checks they still accept). */
  private java.util.Map<String, io.vertx.core.net.SocketAddress> listeners() {
    java.util.Map<String, io.vertx.core.net.SocketAddress> open = new java.util.LinkedHashMap<>();
    if (httpPort > 0) {
      open.put("http", io.vertx.core.net.SocketAddress.inetSocketAddress(httpPort, config.httpHost()));
    }
    if (s3Port > 0) {
      open.put("s3", io.vertx.core.net.SocketAddress.inetSocketAddress(s3Port, config.s3Host()));
    }
    return open;
  }

  /**
   * One API instance per core, sharing one listening socket. Vert.x shares a socket only between
   * servers asking for the same port, and each port-0 server gets its own, so port 0 gets one.
   */
  private int apiInstanceCount() {
    return config.httpPort() == 0 ? 1 : Runtime.getRuntime().availableProcessors();
  }

  /** Many more chunk workers than cores: each spends most of its time waiting on fsync or reads. */
  private static final int CHUNK_WORKERS = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());

  private static DeploymentOptions worker(String pool) {
    return new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER).setWorkerPoolName(pool)
        .setWorkerPoolSize(2);
  }

  private Future<Void> deploy(io.vertx.core.Deployable verticle, DeploymentOptions options) {
    return vertx.deployVerticle(verticle, options).onSuccess(deployments::add).mapEmpty();
  }

  private Future<Void> deploy(java.util.function.Supplier<? extends io.vertx.core.Deployable> verticles,
      DeploymentOptions options) {
    return vertx.deployVerticle(verticles, options).onSuccess(deployments::add).mapEmpty();
  }

  private Future<Void> record(String type, String reason) {
    return new StorageClient(vertx, config.requestTimeout())
        .write(List.of(), List.of(Event.of(type, Event.Severity.Info, null, null, reason, null)), null)
        .mapEmpty();
  }

  /** Drains: readiness DOWN, the API finishes in-flight requests, then components stop in reverse order. */
  public Future<Void> stop() {
    LOG.info("node stopping");
    vertx.eventBus().publish(HealthBus.DRAINING, new HealthBus.Draining());
    // the open windows' summaries are written while storage is still there
    Future<Void> chain = (denials == null ? Future.<Void>succeededFuture() : denials.stop())
        .compose(v -> record(EventTypes.AGENT_STOPPING, "shutdown requested")).recover(e -> Future.succeededFuture());
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id).recover(e -> {
        LOG.warn("undeploy failed: {}", e.getMessage());
        return Future.succeededFuture();
      }));
    }
    // vertx.close() ends the event loops, so its completion must not be observed from one of them.
    return Future.fromCompletionStage(chain.toCompletionStage()
        .handle((v, e) -> null)
        .thenCompose(v -> vertx.close().toCompletionStage())
        .thenRun(() -> LOG.info("node stopped")));
  }

  /** Resolves once the reconciler has loaded state and finished its first pass: the node is ready. */
  public Future<Void> awaitReady() {
    return reconcile.firstPass();
  }

  private String nodeName() {
    if (!config.nodeName().isBlank()) {
      return config.nodeName();
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return nodeId;
    }
  }

  public String nodeId() {
    return nodeId;
  }

  public int s3Port() {
    return s3Port;
  }

  public int httpPort() {
    return httpPort;
  }

  public Vertx vertx() {
    return vertx;
  }

  public CairnConfig config() {
    return config;
  }
}

package io.cairn.agent;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.Main;
import io.cairn.config.CairnConfig;
import io.cairn.config.ConfigException;
import io.cairn.config.ConfigLoader;
import io.cairn.config.Settings;
import io.cairn.logging.Logging;
import io.cairn.node.NodeIdentity;
import io.cairn.s3.S3Keys;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn agent}: runs a node until SIGTERM/SIGINT, then drains and exits 0. */
@Command(name = "agent", mixinStandardHelpOptions = true, description = "Run a Cairn node.")
public final class AgentCommand implements Callable<Integer> {
  /** Returned by call() when the node is up: main must not exit, the signal handler will. */
  public static final int KEEP_RUNNING = -1;
  static final int CONFIG_ERROR = 2;
  static final int START_FAILED = 1;

  @Option(names = "--dev", description = "Single node with embedded defaults (data under ./data unless --data-dir).")
  boolean dev;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (see conf/cairn.yaml).")
  Path configFile;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (data.dir).")
  String dataDir;

  @Option(names = "--http-port", paramLabel = "N", description = "REST/gRPC port; 0 picks a free one (http.port).")
  String httpPort;

  @Option(names = "--http-host", paramLabel = "ADDR", description = "Address to bind (http.host).")
  String httpHost;

  @Option(names = "--s3-port", paramLabel = "N", description = "S3 API port; 0 picks a free one (s3.port).")
  String s3Port;

  @Option(names = "--node-id", paramLabel = "ID", description = "Stable node id (node.id).")
  String nodeId;

  @Option(names = "--log-format", paramLabel = "json|text", description = "Log format on stdout (log.format).")
  String logFormat;

  @Option(names = "--log-level", paramLabel = "LEVEL", description = "Lowest level logged (log.level).")
  String logLevel;

  @Option(names = "--cluster", description = "Join or form a cluster (cluster.enabled); needs cluster.secret.")
  boolean cluster;

  @Option(names = "--join", paramLabel = "HOST:PORT,...", description = "Peer addresses to find the cluster through (cluster.join).")
  String join;

  @Option(names = "--cluster-host", paramLabel = "ADDR", description = "Peer and Raft bind/advertise address (cluster.host).")
  String clusterHost;

  @Option(names = "--cluster-port", paramLabel = "N", description = "Peer gRPC port; 0 picks a free one (cluster.port).")
  String clusterPort;

  @Option(names = "--raft-port", paramLabel = "N", description = "Raft port; 0 picks a free one (cluster.raftPort).")
  String raftPort;

  @Option(names = "--bootstrap-expect", paramLabel = "N", description = "Servers needed before the first election (cluster.bootstrapExpect).")
  String bootstrapExpect;

  @Option(names = "--client-only", description = "Follow the Raft log without voting (cluster.server false).")
  boolean clientOnly;

  @Option(names = "--label", paramLabel = "K=V", description = "A node label; repeatable (node.labels).")
  java.util.List<String> labels;

  @Option(names = "--insecure-no-auth", description = "Listen beyond loopback without API tokens (auth.enabled false).")
  boolean insecureNoAuth;

  @Option(names = "--insecure-no-tls", description = "Form a cluster beyond loopback without TLS (no tls.* files): "
      + "peers and clients talk in clear text.")
  boolean insecureNoTls;

  @Override
  public Integer call() {
    CairnConfig config;
    String id;
    try {
      config = ConfigLoader.load(configFile, System.getenv(), flags());
      id = NodeIdentity.resolve(config.nodeId(), config.dataDir());
    } catch (ConfigException e) {
      System.err.println("cairn: " + e.getMessage());
      return CONFIG_ERROR;
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("cairn: invalid configuration: " + e.getMessage());
      return CONFIG_ERROR;
    }
    String exposed = exposedWithoutAuth(config);
    if (exposed == null) {
      exposed = clusterWithoutTls(config);
    }
    if (exposed != null) {
      System.err.println("cairn: " + exposed);
      return CONFIG_ERROR;
    }
    if (insecureNoTls) {
      config = config.withTls(config.tls().insecure());
    }
    Logging.configure(config.logFormat(), config.logLevel(), id);
    Logger log = LoggerFactory.getLogger(AgentCommand.class);
    if (config.tls().insecureNoTls() && !config.tls().enabled()) {
      log.warn("insecure: cluster traffic (Raft log, peer calls with the cluster secret) is not encrypted; "
          + "set tls.caFile, tls.certFile and tls.keyFile (cairn tls ca create, cairn tls cert create)");
    }
    boolean devKeys = dev && config.s3AccessKeyId().isBlank();
    if (devKeys) {
      try {
        String[] keys = S3Keys.loadOrCreate(config.s3EnvFile());
        config = config.withS3Credentials(keys[0], keys[1]);
      } catch (java.io.IOException e) {
        System.err.println("cairn: cannot prepare " + config.s3EnvFile() + ": " + e.getMessage());
        return CONFIG_ERROR;
      }
    }
    Agent agent;
    try {
      agent = Agent.start(config, id, Main.version(), devKeys).toCompletionStage().toCompletableFuture()
          .get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
      if (!config.cluster().enabled()) { // a cluster member is ready once it caught up: /health/ready says when
        agent.awaitReady().toCompletionStage().toCompletableFuture()
            .get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      log.error("node failed to start: {}", cause.getMessage());
      System.err.println("cairn: node failed to start: " + cause.getMessage());
      return START_FAILED;
    }
    long readyMillis = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
    log.info("node ready {} {}", kv("url", "http://" + config.httpHost() + ":" + agent.httpPort()),
        kv("startToReadyMs", readyMillis));
    if (devKeys) {
      log.info("S3 credentials for this dev node are in {} {}", kv("file", config.s3EnvFile().toString()),
          kv("s3Port", agent.s3Port()));
    }
    if (dev) {
      System.err.println("cairn: node " + id + " ready at http://" + config.httpHost() + ":" + agent.httpPort()
          + ", S3 at http://" + config.s3Host() + ":" + agent.s3Port()
          + (devKeys ? " (credentials: . " + config.s3EnvFile() + ")" : "") + ", data in " + config.dataDir());
    }
    ShutdownOnSignal.install(agent, config.shutdownGracePeriod());
    return KEEP_RUNNING;
  }

  /**
   * A node reachable beyond this machine must check who calls it: refuse to start with auth off on
   * a non-loopback listener unless the operator says so explicitly. Returns the problem, or null.
   */
  private String exposedWithoutAuth(CairnConfig config) {
    if (config.auth().enabled() || insecureNoAuth) {
      return null;
    }
    java.util.List<String[]> listeners = new java.util.ArrayList<>(java.util.List.of(
        new String[] {Settings.HTTP_HOST.path(), config.httpHost()}, new String[] {Settings.S3_HOST.path(), config.s3Host()}));
    if (config.cluster().enabled()) {
      listeners.add(new String[] {Settings.CLUSTER_HOST.path(), config.cluster().host()});
    }
    for (String[] listener : listeners) {
      if (!loopback(listener[1])) {
        return listener[0] + ": " + listener[1] + " is not a loopback address, and auth.enabled is false: set "
            + Settings.AUTH_ENABLED.path() + ": true (CAIRN_AUTH_ENABLED=true), then run cairn acl bootstrap; "
            + "or pass --insecure-no-auth to serve everyone who can reach it";
      }
    }
    return null;
  }

  /**
   * A cluster reachable beyond this machine must encrypt and authenticate its peers: refuse to start
   * without the tls.* files unless the operator says so explicitly. Returns the problem, or null.
   */
  private String clusterWithoutTls(CairnConfig config) {
    if (!config.cluster().enabled() || config.tls().enabled() || insecureNoTls || loopback(config.cluster().host())) {
      return null;
    }
    return Settings.CLUSTER_HOST.path() + ": " + config.cluster().host() + " is not a loopback address, and no TLS is "
        + "configured: set " + Settings.TLS_CA_FILE.path() + ", " + Settings.TLS_CERT_FILE.path() + " and "
        + Settings.TLS_KEY_FILE.path() + " (" + Settings.TLS_CA_FILE.envName() + ", ...; make them with cairn tls ca create "
        + "and cairn tls cert create); or pass --insecure-no-tls to send the Raft log and the cluster secret in clear text";
  }

  private static boolean loopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    put(flags, Settings.DATA_DIR.path(), dataDir);
    put(flags, Settings.HTTP_PORT.path(), httpPort);
    put(flags, Settings.HTTP_HOST.path(), httpHost);
    put(flags, Settings.S3_PORT.path(), s3Port);
    put(flags, Settings.NODE_ID.path(), nodeId);
    put(flags, Settings.LOG_FORMAT.path(), logFormat);
    put(flags, Settings.LOG_LEVEL.path(), logLevel);
    put(flags, Settings.CLUSTER_ENABLED.path(), cluster ? "true" : null);
    put(flags, Settings.CLUSTER_JOIN.path(), join);
    put(flags, Settings.CLUSTER_HOST.path(), clusterHost);
    put(flags, Settings.CLUSTER_PORT.path(), clusterPort);
    put(flags, Settings.CLUSTER_RAFT_PORT.path(), raftPort);
    put(flags, Settings.CLUSTER_BOOTSTRAP_EXPECT.path(), bootstrapExpect);
    put(flags, Settings.CLUSTER_SERVER.path(), clientOnly ? "false" : null);
    put(flags, Settings.NODE_LABELS.path(), labels == null ? null : String.join(",", labels));
    return flags;
  }

  private static void put(Map<String, String> flags, String key, String value) {
    if (value != null) {
      flags.put(key, value);
    }
  }
}

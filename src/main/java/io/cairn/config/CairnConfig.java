package io.cairn.config;

import java.nio.file.Path;
import java.time.Duration;

/** The node's whole configuration, parsed and validated once at start-up. */
public record CairnConfig(
    String nodeId,
    String nodeName,
    Path dataDir,
    String httpHost,
    int httpPort,
    long httpMaxBodyBytes,
    Duration requestTimeout,
    String logFormat,
    String logLevel,
    Duration shutdownGracePeriod,
    Duration reconcileInterval,
    Duration gcInterval,
    Duration gcFailedTtl,
    int cpuThresholdPercent,
    int memoryThresholdPercent,
    int diskThresholdPercent,
    long logsMaxFileBytes,
    int logsMaxFiles,
    int eventsMaxEntries,
    boolean syncWrites,
    long chunkSize,
    String compression,
    Duration chunkGcGrace,
    Duration scrubInterval,
    long scrubBytesPerSecond,
    Duration multipartExpiry,
    String s3Host,
    int s3Port,
    String s3Region,
    String s3Domain,
    String s3AccessKeyId,
    String s3SecretAccessKey,
    Registry registry,
    Tasks tasks,
    java.util.Map<String, String> nodeLabels,
    Listener httpListener,
    Listener s3Listener,
    Duration minRestartBackoff,
    RuntimeSettings runtime,
    Auth auth,
    Cluster cluster,
    Tls tls,
    Health health,
    RateLimit limits) {

  /**
   * TLS material and where it is used; {@code enabled()} when the three files are given (then the
   * peer and Raft ports speak mutual TLS). {@code insecureNoTls}: the operator chose a cluster on a
   * network without TLS (--insecure-no-tls), which is warned about.
   */
  public record Tls(Path caFile, Path certFile, Path keyFile, boolean http, boolean verifyClients, boolean insecureNoTls) {
    public boolean enabled() {
      return caFile != null;
    }

    public Tls insecure() {
      return new Tls(caFile, certFile, keyFile, http, verifyClients, true);
    }
  }

  /** The optional plaintext probe listener ({@code port} 0: none). */
  public record Health(String host, int port) {}

  /** Cluster membership and the Raft log; {@code enabled} false is the single-node default. */
  public record Cluster(boolean enabled, java.util.List<String> join, String host, int port, int raftPort,
      int bootstrapExpect, boolean server, Duration heartbeatInterval, Duration heartbeatTimeout,
      Duration writeTimeout, int snapshotThreshold, String secret) {}

  /** Who may call the API: tokens on or off, anonymous scrapes, Host names served while off. */
  public record Auth(boolean enabled, boolean metricsAnonymous, java.util.List<String> allowedHosts,
      java.time.Duration deniedWindow) {}

  /**
   * Requests per second each client may make on a port, by source and by credential, and how many at
   * once ({@code burst}, resolved: never 0). {@code requestsPerSecond} 0: no limit.
   */
  public record RateLimit(double requestsPerSecond, int burst) {
    public boolean enabled() {
      return requestsPerSecond > 0;
    }
  }

  /** How workloads and tasks are isolated: run user, where they may start, process cap. */
  public record RuntimeSettings(String user, java.util.List<Path> allowedDirs, int pidsMax) {}

  /** Limits one listening port puts on its clients, so slow or numerous ones cannot exhaust the node. */
  public record Listener(Duration idleTimeout, Duration requestHeaderTimeout, int maxConnections) {}

  /** The location registry's settings. */
  public record Registry(String backend, String redisUrl, Duration redisTimeout, Duration ttl,
      Duration heartbeatInterval) {}

  /** The task runner's settings; {@code maxConcurrent} is resolved (0 became the core count). */
  public record Tasks(int maxConcurrent, int queueCapacity, Duration retention, int maxRetained, long maxOutputBytes,
      Duration stopGracePeriod, Duration followerStallTimeout) {}

  static CairnConfig from(Values v) {
    return new CairnConfig(
        v.get(Settings.NODE_ID), v.get(Settings.NODE_NAME), v.get(Settings.DATA_DIR).toAbsolutePath().normalize(),
        v.get(Settings.HTTP_HOST), v.get(Settings.HTTP_PORT), v.get(Settings.HTTP_MAX_BODY_SIZE),
        v.get(Settings.HTTP_REQUEST_TIMEOUT), v.get(Settings.LOG_FORMAT), v.get(Settings.LOG_LEVEL),
        v.get(Settings.SHUTDOWN_GRACE_PERIOD), v.get(Settings.RECONCILE_INTERVAL), v.get(Settings.GC_INTERVAL),
        v.get(Settings.GC_FAILED_TTL), v.get(Settings.ADMISSION_CPU_THRESHOLD),
        v.get(Settings.ADMISSION_MEMORY_THRESHOLD), v.get(Settings.ADMISSION_DISK_THRESHOLD),
        v.get(Settings.LOGS_MAX_FILE_SIZE), v.get(Settings.LOGS_MAX_FILES), v.get(Settings.EVENTS_MAX_ENTRIES),
        v.get(Settings.STATE_SYNC_WRITES), v.get(Settings.STORAGE_CHUNK_SIZE), v.get(Settings.STORAGE_COMPRESSION),
        v.get(Settings.STORAGE_GC_GRACE), v.get(Settings.STORAGE_SCRUB_INTERVAL), v.get(Settings.STORAGE_SCRUB_RATE),
        v.get(Settings.STORAGE_MULTIPART_EXPIRY),
        v.get(Settings.S3_HOST), v.get(Settings.S3_PORT), v.get(Settings.S3_REGION), v.get(Settings.S3_DOMAIN),
        v.get(Settings.S3_ACCESS_KEY_ID),
        v.get(Settings.S3_SECRET_ACCESS_KEY),
        new Registry(v.get(Settings.REGISTRY_BACKEND), v.get(Settings.REGISTRY_REDIS_URL),
            v.get(Settings.REGISTRY_REDIS_TIMEOUT), v.get(Settings.REGISTRY_TTL),
            v.get(Settings.REGISTRY_HEARTBEAT_INTERVAL)),
        new Tasks(v.get(Settings.TASKS_MAX_CONCURRENT) == 0 ? Runtime.getRuntime().availableProcessors()
            : v.get(Settings.TASKS_MAX_CONCURRENT), v.get(Settings.TASKS_QUEUE_CAPACITY), v.get(Settings.TASKS_RETENTION),
            v.get(Settings.TASKS_MAX_RETAINED), v.get(Settings.TASKS_MAX_OUTPUT), v.get(Settings.TASKS_STOP_GRACE_PERIOD),
            v.get(Settings.TASKS_FOLLOWER_STALL_TIMEOUT)),
        v.get(Settings.NODE_LABELS),
        new Listener(v.get(Settings.HTTP_IDLE_TIMEOUT), v.get(Settings.HTTP_REQUEST_HEADER_TIMEOUT),
            v.get(Settings.HTTP_MAX_CONNECTIONS)),
        new Listener(v.get(Settings.S3_IDLE_TIMEOUT), v.get(Settings.S3_REQUEST_HEADER_TIMEOUT),
            v.get(Settings.S3_MAX_CONNECTIONS)),
        v.get(Settings.RECONCILE_MIN_RESTART_BACKOFF),
        new RuntimeSettings(v.get(Settings.RUNTIME_USER), v.get(Settings.RUNTIME_ALLOWED_DIRS), v.get(Settings.RUNTIME_PIDS_MAX)),
        new Auth(v.get(Settings.AUTH_ENABLED), v.get(Settings.AUTH_METRICS_ANONYMOUS),
            java.util.Arrays.stream(v.get(Settings.HTTP_ALLOWED_HOSTS).split(",")).map(String::trim)
                .filter(h -> !h.isEmpty()).map(h -> h.toLowerCase(java.util.Locale.ROOT)).toList(),
            v.get(Settings.AUTH_DENIED_WINDOW)),
        new Cluster(v.get(Settings.CLUSTER_ENABLED), v.get(Settings.CLUSTER_JOIN), v.get(Settings.CLUSTER_HOST),
            v.get(Settings.CLUSTER_PORT), v.get(Settings.CLUSTER_RAFT_PORT), v.get(Settings.CLUSTER_BOOTSTRAP_EXPECT),
            v.get(Settings.CLUSTER_SERVER), v.get(Settings.CLUSTER_HEARTBEAT_INTERVAL),
            v.get(Settings.CLUSTER_HEARTBEAT_TIMEOUT), v.get(Settings.CLUSTER_WRITE_TIMEOUT),
            v.get(Settings.CLUSTER_SNAPSHOT_THRESHOLD), v.get(Settings.CLUSTER_SECRET)),
        new Tls(path(v.get(Settings.TLS_CA_FILE)), path(v.get(Settings.TLS_CERT_FILE)), path(v.get(Settings.TLS_KEY_FILE)),
            v.get(Settings.TLS_HTTP), v.get(Settings.TLS_VERIFY_CLIENTS), false),
        new Health(v.get(Settings.HEALTH_HOST), v.get(Settings.HEALTH_PORT)),
        new RateLimit(v.get(Settings.LIMITS_REQUESTS_PER_SECOND), v.get(Settings.LIMITS_BURST) > 0
            ? v.get(Settings.LIMITS_BURST) : (int) Math.max(1, Math.ceil(v.get(Settings.LIMITS_REQUESTS_PER_SECOND)))));
  }

  private static Path path(String text) {
    return text.isBlank() ? null : Path.of(text).toAbsolutePath().normalize();
  }

  /** Typed lookup of parsed values, so {@link #from} reads like the settings list. */
  interface Values {
    <T> T get(Setting<T> setting);
  }

  /** The same configuration with an S3 key pair (the one --dev generates when none is configured). */
  public CairnConfig withS3Credentials(String accessKeyId, String secretAccessKey) {
    return new CairnConfig(nodeId, nodeName, dataDir, httpHost, httpPort, httpMaxBodyBytes, requestTimeout, logFormat,
        logLevel, shutdownGracePeriod, reconcileInterval, gcInterval, gcFailedTtl, cpuThresholdPercent,
        memoryThresholdPercent, diskThresholdPercent, logsMaxFileBytes, logsMaxFiles, eventsMaxEntries, syncWrites,
        chunkSize, compression, chunkGcGrace, scrubInterval, scrubBytesPerSecond, multipartExpiry,
        s3Host, s3Port, s3Region, s3Domain, accessKeyId, secretAccessKey, registry, tasks, nodeLabels, httpListener, s3Listener,
        minRestartBackoff, runtime, auth, cluster, tls, health, limits);
  }

  /** The same configuration, with other TLS choices (--insecure-no-tls). */
  public CairnConfig withTls(Tls other) {
    return new CairnConfig(nodeId, nodeName, dataDir, httpHost, httpPort, httpMaxBodyBytes, requestTimeout, logFormat,
        logLevel, shutdownGracePeriod, reconcileInterval, gcInterval, gcFailedTtl, cpuThresholdPercent,
        memoryThresholdPercent, diskThresholdPercent, logsMaxFileBytes, logsMaxFiles, eventsMaxEntries, syncWrites,
        chunkSize, compression, chunkGcGrace, scrubInterval, scrubBytesPerSecond, multipartExpiry,
        s3Host, s3Port, s3Region, s3Domain, s3AccessKeyId, s3SecretAccessKey, registry, tasks, nodeLabels, httpListener,
        s3Listener, minRestartBackoff, runtime, auth, cluster, other, health, limits);
  }

  public Path s3EnvFile() {
    return dataDir.resolve("s3.env");
  }

  public Path s3PortFile() {
    return dataDir.resolve("s3.port");
  }

  public Path clusterPortFile() {
    return dataDir.resolve("cluster.port");
  }

  public Path raftPortFile() {
    return dataDir.resolve("raft.port");
  }

  public Path httpPortFile() {
    return dataDir.resolve("http.port");
  }
}

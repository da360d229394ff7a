package io.cairn.config;

import io.cairn.model.Durations;
import io.cairn.model.Labels;
import io.cairn.model.Quantities;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Every setting Cairn reads, with its default. conf/cairn.yaml is rendered from this list. */
public final class Settings {
  public static final Setting<String> NODE_ID = text("node.id", "",
      "Stable node id; empty derives one from /etc/machine-id and the data dir, then keeps it");
  public static final Setting<String> NODE_NAME = text("node.name", "",
      "Human-readable node name; empty uses the host name");
  public static final Setting<java.util.Map<String, String>> NODE_LABELS = new Setting<>("node.labels",
      java.util.Map.of(), Settings::labels, Settings::formatLabels,
      "Labels describing this node (zone=a,disk=ssd): shown in the node list, matched by placement rules of tasks and workloads; "
          + "as workload labels: at most 64, keys and values up to 63 characters");
  public static final Setting<Path> DATA_DIR = new Setting<>("data.dir", Path.of("data"),
      raw -> Path.of(nonEmpty(raw)), Path::toString, "Directory for state, logs and the node id");
  public static final Setting<String> HTTP_HOST = text("http.host", "127.0.0.1",
      "Address the REST/gRPC listener binds");
  public static final Setting<Integer> HTTP_PORT = port("http.port", 7700,
      "REST/gRPC port; 0 picks a free port and writes it to DATA_DIR/http.port");
  public static final Setting<Long> HTTP_MAX_BODY_SIZE = bytes("http.maxBodySize", 1L << 20,
      "Largest request body accepted; larger bodies get 413 PAYLOAD_TOO_LARGE");
  public static final Setting<Duration> HTTP_REQUEST_TIMEOUT = duration("http.requestTimeout", "30s",
      "How long the API waits for a component to answer before replying 503/504");
  public static final Setting<Duration> HTTP_IDLE_TIMEOUT = duration("http.idleTimeout", "60s",
      "A connection that sends and receives nothing for this long is closed");
  public static final Setting<Duration> HTTP_REQUEST_HEADER_TIMEOUT = duration("http.requestHeaderTimeout", "10s",
      "A new connection must have sent a request's headers within this time, else it is closed");
  public static final Setting<Integer> HTTP_MAX_CONNECTIONS = integer("http.maxConnections", 1000, 1, 1_000_000,
      "Open connections accepted on the REST/gRPC port; further ones are closed at once");
  public static final Setting<String> HTTP_ALLOWED_HOSTS = text("http.allowedHosts", "",
      "With auth off, Host names the API answers to, comma-separated; empty: localhost, 127.0.0.1, [::1], "
          + "the bind address and the node name (any, when it binds a wildcard address)");
  public static final Setting<Boolean> AUTH_ENABLED = bool("auth.enabled", false,
      "Require API tokens (cairn acl bootstrap); a listener on a non-loopback address needs this or --insecure-no-auth");
  public static final Setting<Boolean> AUTH_METRICS_ANONYMOUS = bool("auth.metricsAnonymous", true,
      "With auth on, /metrics may still be scraped without a token");
  public static final Setting<Duration> AUTH_DENIED_WINDOW = duration("auth.deniedWindow", "1m",
      "Refused requests from one source within this window become one AuthDenied event and one summary counting the rest");
  public static final Setting<Double> LIMITS_REQUESTS_PER_SECOND = rate("limits.requestsPerSecond", 1_000_000,
      "Requests per second one client may make on the API port and on the S3 port (each counts its own), per source "
          + "address (IPv6: per /64) and also per API token or S3 access key; past it REST answers 429 RATE_LIMITED, gRPC "
          + "RESOURCE_EXHAUSTED, S3 503 SlowDown, each saying when to retry. Decimals allowed (0.5: one every 2s); "
          + "0 = no limit. Probes (/health/*, gRPC health) and /metrics are never limited");
  public static final Setting<Integer> LIMITS_BURST = integer("limits.burst", 0, 0, 1_000_000,
      "Requests a client may make at once before limits.requestsPerSecond paces it (its bucket's size); "
          + "0 = one second's worth (requestsPerSecond rounded up)");
  public static final Setting<String> LOG_FORMAT = oneOf("log.format", "json", List.of("json", "text"),
      "Log line format on stdout: json (one object per line) or text");
  public static final Setting<String> LOG_LEVEL = oneOf("log.level", "info",
      List.of("trace", "debug", "info", "warn", "error"), "Lowest level logged");
  public static final Setting<Duration> SHUTDOWN_GRACE_PERIOD = duration("shutdown.gracePeriod", "30s",
      "On SIGTERM, how long in-flight requests may take before the node exits anyway");
  public static final Setting<Duration> RECONCILE_INTERVAL = duration("reconcile.interval", "5s",
      "Period of the reconcile loop (it also runs at once on every change or process exit)");
  public static final Setting<Duration> RECONCILE_MIN_RESTART_BACKOFF = duration("reconcile.minRestartBackoff", "1s",
      "Shortest restart backoff a workload may ask for, so a crash loop cannot burn the node's cpu");
  public static final Setting<Duration> GC_INTERVAL = duration("gc.interval", "30s",
      "Period of the garbage collector (orphan processes, expired Failed workloads)");
  public static final Setting<Duration> GC_FAILED_TTL = duration("gc.failedTtl", "1h",
      "How long a Failed workload is kept before the garbage collector removes it");
  public static final Setting<Integer> ADMISSION_CPU_THRESHOLD = percent("admission.cpuThreshold", 90,
      "Refuse new workloads while node cpu use is above this percentage");
  public static final Setting<Integer> ADMISSION_MEMORY_THRESHOLD = percent("admission.memoryThreshold", 90,
      "Refuse new workloads while node memory use is above this percentage");
  public static final Setting<Integer> ADMISSION_DISK_THRESHOLD = percent("admission.diskThreshold", 90,
      "Refuse new workloads while data-dir disk use is above this percentage");
  public static final Setting<Long> LOGS_MAX_FILE_SIZE = bytes("logs.maxFileSize", 10L << 20,
      "Size at which an instance's stdout or stderr file is rotated");
  public static final Setting<Integer> LOGS_MAX_FILES = integer("logs.maxFiles", 3, 1, 100,
      "Rotated files kept per stream, besides the current one");
  public static final Setting<Integer> EVENTS_MAX_ENTRIES = integer("events.maxEntries", 10_000, 100, 10_000_000,
      "Events kept in the audit log; the oldest are dropped beyond this");
  public static final Setting<Boolean> STATE_SYNC_WRITES = bool("state.syncWrites", false,
      "fsync every state write (survives power loss, not only process crashes)");

  public static final Setting<Long> STORAGE_CHUNK_SIZE = bytes("storage.chunkSize", 4L << 20,
      "Objects are split into chunks of this size, each stored once per node by its SHA-256");
  public static final Setting<String> STORAGE_COMPRESSION = oneOf("storage.compression", "lz4",
      List.of("lz4", "zstd", "none"), "Chunk compression, used only when it saves at least 10%");
  public static final Setting<Duration> STORAGE_GC_GRACE = duration("storage.gcGrace", "1h",
      "An unreferenced chunk is deleted once it is this old (uploads in progress hold fresh chunks)");
  public static final Setting<Duration> STORAGE_SCRUB_INTERVAL = duration("storage.scrubInterval", "24h",
      "How often every chunk is read back and its hash checked");
  public static final Setting<Long> STORAGE_SCRUB_RATE = bytes("storage.scrubRate", 64L << 20,
      "Bytes per second the scrubber may read");
  public static final Setting<Duration> STORAGE_MULTIPART_EXPIRY = duration("storage.multipartExpiry", "24h",
      "Multipart uploads neither completed nor aborted within this time are aborted");
  public static final Setting<String> S3_HOST = text("s3.host", "127.0.0.1", "Address the S3 listener binds");
  public static final Setting<Integer> S3_PORT = port("s3.port", 7701,
      "S3 API port; 0 picks a free port and writes it to DATA_DIR/s3.port");
  public static final Setting<Duration> S3_IDLE_TIMEOUT = duration("s3.idleTimeout", "60s",
      "An S3 connection that sends and receives nothing for this long is closed");
  public static final Setting<Duration> S3_REQUEST_HEADER_TIMEOUT = duration("s3.requestHeaderTimeout", "10s",
      "A new S3 connection must have sent a request's headers within this time, else it is closed");
  public static final Setting<Integer> S3_MAX_CONNECTIONS = integer("s3.maxConnections", 1000, 1, 1_000_000,
      "Open connections accepted on the S3 port; further ones are closed at once");
  public static final Setting<String> S3_REGION = text("s3.region", "us-east-1", "Region name clients sign for");
  public static final Setting<String> S3_DOMAIN = text("s3.domain", "",
      "Domain for virtual-host-style addressing (bucket.DOMAIN); empty: path style only");
  public static final Setting<String> S3_ACCESS_KEY_ID = text("s3.accessKeyId", "",
      "Access key id; with --dev and no key configured, one is generated into DATA_DIR/s3.env");
  public static final Setting<String> S3_SECRET_ACCESS_KEY = text("s3.secretAccessKey", "",
      "Secret key for s3.accessKeyId (never written to disk by the node)");

  public static final Setting<String> REGISTRY_BACKEND = oneOf("registry.backend", "memory",
      List.of("memory", "redis"), "Where the location registry lives: memory (embedded) or redis");
  public static final Setting<String> REGISTRY_REDIS_URL = new Setting<>("registry.redis.url",
      "redis://127.0.0.1:6379/0", Settings::redisUrl, s -> s,
      "Redis for registry.backend=redis: redis://[:password@]host:port/db or unix:///path");
  public static final Setting<Duration> REGISTRY_REDIS_TIMEOUT = duration("registry.redis.timeout", "1s",
      "How long one Redis call may take before it counts as failed");
  public static final Setting<Duration> REGISTRY_TTL = duration("registry.ttl", "30s",
      "A location not refreshed for this long is dead (its node stopped heart-beating)");
  public static final Setting<Duration> REGISTRY_HEARTBEAT_INTERVAL = duration("registry.heartbeatInterval", "10s",
      "How often this node refreshes its locations (and catches up after a registry outage)");

  public static final Setting<Integer> TASKS_MAX_CONCURRENT = integer("tasks.maxConcurrent", 0, 0, 10_000,
      "Tasks this node runs at once; 0 means one per core");
  public static final Setting<Integer> TASKS_QUEUE_CAPACITY = integer("tasks.queueCapacity", 1000, 0, 1_000_000,
      "Tasks waiting for a slot; beyond this a submit fails with 429 QUEUE_FULL");
  public static final Setting<Duration> TASKS_RETENTION = duration("tasks.retention", "1h",
      "How long a finished task and its output are kept");
  public static final Setting<Integer> TASKS_MAX_RETAINED = integer("tasks.maxRetained", 10_000, 10, 10_000_000,
      "Finished tasks kept at most; the oldest go first beyond this");
  public static final Setting<Long> TASKS_MAX_OUTPUT = bytes("tasks.maxOutput", 1L << 20,
      "Output kept per task (stdout and stderr together); later output is counted and dropped");
  public static final Setting<Duration> TASKS_STOP_GRACE_PERIOD = duration("tasks.stopGracePeriod", "5s",
      "On cancel or timeout, how long a task has after SIGTERM before SIGKILL");
  public static final Setting<Duration> TASKS_FOLLOWER_STALL_TIMEOUT = duration("tasks.followerStallTimeout", "30s",
      "A follower of task output that reads nothing for this long is dropped, so it cannot hold the task back");

  public static final Setting<String> RUNTIME_USER = text("runtime.user", "",
      "User workloads and tasks run as; empty: nobody when the node runs as root, else the node's own user");
  public static final Setting<List<Path>> RUNTIME_ALLOWED_DIRS = new Setting<>("runtime.allowedDirs",
      List.of(Path.of("/tmp")), Settings::absolutePaths, v -> String.join(",", v.stream().map(Path::toString).toList()),
      "Directories (and their subdirectories) a workload or task may name as workingDir, comma-separated");
  public static final Setting<Integer> RUNTIME_PIDS_MAX = integer("runtime.pidsMax", 4096, 0, 4_194_304,
      "Processes one instance or task may have at once (cgroup pids.max); 0 for no limit");

  public static final Setting<Boolean> CLUSTER_ENABLED = bool("cluster.enabled", false,
      "Join or form a cluster (--cluster); off: a single node with no Raft and no peer port");
  public static final Setting<List<String>> CLUSTER_JOIN = new Setting<>("cluster.join", List.of(),
      Settings::hostPorts, v -> String.join(",", v),
      "Peer addresses (host:port of cluster.port) to find the cluster through, comma-separated; may include this node");
  public static final Setting<String> CLUSTER_HOST = text("cluster.host", "127.0.0.1",
      "Address the peer and Raft listeners bind and advertise");
  public static final Setting<Integer> CLUSTER_PORT = port("cluster.port", 7702,
      "Peer gRPC port (membership, heartbeats, forwarding); 0 picks a free port and writes DATA_DIR/cluster.port");
  public static final Setting<Integer> CLUSTER_RAFT_PORT = port("cluster.raftPort", 7703,
      "Raft port (Apache Ratis); 0 picks a free one once and keeps it in DATA_DIR/raft.port");
  public static final Setting<Integer> CLUSTER_BOOTSTRAP_EXPECT = integer("cluster.bootstrapExpect", 3, 1, 9,
      "Servers that must have found each other before the first leader election of a new cluster");
  public static final Setting<Boolean> CLUSTER_SERVER = bool("cluster.server", true,
      "Vote in the Raft group; false (--client-only) follows the log as a non-voting listener");
  public static final Setting<Duration> CLUSTER_HEARTBEAT_INTERVAL = duration("cluster.heartbeatInterval", "1s",
      "How often each node heartbeats the leader");
  public static final Setting<Duration> CLUSTER_HEARTBEAT_TIMEOUT = duration("cluster.heartbeatTimeout", "3s",
      "A node not heard from for this long is marked Down by the leader");
  public static final Setting<Duration> CLUSTER_WRITE_TIMEOUT = duration("cluster.writeTimeout", "5s",
      "A write not committed within this time fails with 503 UNAVAILABLE (no quorum)");
  public static final Setting<Integer> CLUSTER_SNAPSHOT_THRESHOLD = integer("cluster.snapshotThreshold", 10_000, 10,
      100_000_000, "Log entries after which a server snapshots its state and purges the log before it");
  public static final Setting<String> CLUSTER_SECRET = text("cluster.secret", "",
      "Shared secret every peer call carries (required with cluster.enabled); keep it out of the config file via CAIRN_CLUSTER_SECRET");

  public static final Setting<String> TLS_CA_FILE = text("tls.caFile", "",
      "PEM file of the cluster CA (cairn tls ca create): peers, and with tls.verifyClients API clients, must hold a certificate it signed");
  public static final Setting<String> TLS_CERT_FILE = text("tls.certFile", "",
      "PEM certificate of this node (cairn tls cert create), for serving and for dialling peers; re-read when the file changes");
  public static final Setting<String> TLS_KEY_FILE = text("tls.keyFile", "",
      "PEM private key of tls.certFile (keep it 0600); re-read when the file changes");
  public static final Setting<Boolean> TLS_HTTP = bool("tls.http", false,
      "Serve the REST/gRPC and S3 ports over TLS (1.2 and 1.3, HTTP/2 by ALPN) with tls.certFile; plaintext is refused there");
  public static final Setting<Boolean> TLS_VERIFY_CLIENTS = bool("tls.verifyClients", false,
      "With tls.http, require a client certificate signed by tls.caFile on the REST/gRPC and S3 ports (tokens and SigV4 still apply)");
  public static final Setting<String> HEALTH_HOST = text("health.host", "127.0.0.1",
      "Address the plaintext probe listener binds (with health.port)");
  public static final Setting<Integer> HEALTH_PORT = port("health.port", 0,
      "A plaintext listener for /health/live, /health/ready and /health/startup only, for orchestrators that cannot speak TLS; 0: none");

  public static final List<Setting<?>> ALL = List.of(NODE_ID, NODE_NAME, NODE_LABELS, DATA_DIR, HTTP_HOST, HTTP_PORT,
      HTTP_MAX_BODY_SIZE, HTTP_REQUEST_TIMEOUT, HTTP_IDLE_TIMEOUT, HTTP_REQUEST_HEADER_TIMEOUT, HTTP_MAX_CONNECTIONS,
      HTTP_ALLOWED_HOSTS, AUTH_ENABLED, AUTH_METRICS_ANONYMOUS, AUTH_DENIED_WINDOW, LIMITS_REQUESTS_PER_SECOND, LIMITS_BURST,
      LOG_FORMAT, LOG_LEVEL, SHUTDOWN_GRACE_PERIOD,
      RECONCILE_INTERVAL, RECONCILE_MIN_RESTART_BACKOFF, GC_INTERVAL, GC_FAILED_TTL, ADMISSION_CPU_THRESHOLD, ADMISSION_MEMORY_THRESHOLD,
      ADMISSION_DISK_THRESHOLD, LOGS_MAX_FILE_SIZE, LOGS_MAX_FILES, EVENTS_MAX_ENTRIES, STATE_SYNC_WRITES,
      STORAGE_CHUNK_SIZE, STORAGE_COMPRESSION, STORAGE_GC_GRACE, STORAGE_SCRUB_INTERVAL, STORAGE_SCRUB_RATE, STORAGE_MULTIPART_EXPIRY,
      S3_HOST, S3_PORT, S3_IDLE_TIMEOUT, S3_REQUEST_HEADER_TIMEOUT, S3_MAX_CONNECTIONS, S3_REGION, S3_DOMAIN, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
      REGISTRY_BACKEND, REGISTRY_REDIS_URL, REGISTRY_REDIS_TIMEOUT, REGISTRY_TTL, REGISTRY_HEARTBEAT_INTERVAL,
      TASKS_MAX_CONCURRENT, TASKS_QUEUE_CAPACITY, TASKS_RETENTION, TASKS_MAX_RETAINED, TASKS_MAX_OUTPUT,
      TASKS_STOP_GRACE_PERIOD, TASKS_FOLLOWER_STALL_TIMEOUT, RUNTIME_USER, RUNTIME_ALLOWED_DIRS, RUNTIME_PIDS_MAX,
      CLUSTER_ENABLED, CLUSTER_JOIN, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_RAFT_PORT, CLUSTER_BOOTSTRAP_EXPECT,
      CLUSTER_SERVER, CLUSTER_HEARTBEAT_INTERVAL, CLUSTER_HEARTBEAT_TIMEOUT, CLUSTER_WRITE_TIMEOUT, CLUSTER_SNAPSHOT_THRESHOLD, CLUSTER_SECRET,
      TLS_CA_FILE, TLS_CERT_FILE, TLS_KEY_FILE, TLS_HTTP, TLS_VERIFY_CLIENTS, HEALTH_HOST, HEALTH_PORT);

  private Settings() {}

  private static Setting<String> text(String path, String def, String description) {
    return new Setting<>(path, def, raw -> raw, s -> s, description);
  }

  private static Setting<String> oneOf(String path, String def, List<String> allowed, String description) {
    return new Setting<>(path, def, raw -> {
      String v = raw.trim().toLowerCase(Locale.ROOT);
      if (!allowed.contains(v)) {
        throw new IllegalArgumentException("'" + raw + "' is not one of " + allowed);
      }
      return v;
    }, s -> s, description);
  }

  private static Setting<Integer> port(String path, int def, String description) {
    return integer(path, def, 0, 65535, description);
  }

  private static Setting<Integer> percent(String path, int def, String description) {
    return integer(path, def, 1, 100, description);
  }

  private static Setting<Integer> integer(String path, int def, int min, int max, String description) {
    return new Setting<>(path, def, raw -> {
      int v;
      try {
        v = Integer.parseInt(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + raw + "' is not a whole number");
      }
      if (v < min || v > max) {
        throw new IllegalArgumentException(v + " is outside " + min + ".." + max);
      }
      return v;
    }, String::valueOf, description);
  }

  /** A rate: 0 (off), or a decimal from {@code 0.001} to {@code max}, printed without trailing zeros. */
  private static Setting<Double> rate(String path, double max, String description) {
    return new Setting<>(path, 0.0, raw -> {
      double v;
      try {
        v = Double.parseDouble(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + raw + "' is not a number");
      }
      if (v != 0 && !(v >= 0.001 && v <= max)) {
        throw new IllegalArgumentException(raw.trim() + " is neither 0 (off) nor between 0.001 and " + (long) max);
      }
      return v == 0 ? 0.0 : v; // not -0.0
    }, v -> java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString(), description);
  }

  private static Setting<Boolean> bool(String path, boolean def, String description) {
    return new Setting<>(path, def, raw -> switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("'" + raw + "' is not true or false");
    }, String::valueOf, description);
  }

  private static Setting<Duration> duration(String path, String def, String description) {
    Function<String, Duration> parser = Durations::parse;
    return new Setting<>(path, parser.apply(def), parser, Durations::format, description);
  }

  private static Setting<Long> bytes(String path, long def, String description) {
    return new Setting<>(path, def, Quantities::parseBytes, Quantities::formatBytes, description);
  }

  /** key=value pairs, comma-separated (or one --label each), checked by the same rule as workload labels. */
  private static java.util.Map<String, String> labels(String raw) {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    for (String pair : raw.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("'" + Labels.clip(pair.trim()) + "' is not key=value");
      }
      String key = pair.substring(0, eq).trim();
      String value = pair.substring(eq + 1).trim();
      String problem = Labels.keyProblem(key);
      if (problem == null) {
        problem = Labels.valueProblem(value);
      }
      if (problem != null) {
        throw new IllegalArgumentException("label '" + Labels.clip(key) + "': " + problem);
      }
      out.put(key, value);
    }
    String tooMany = Labels.countProblem(out.size());
    if (tooMany != null) {
      throw new IllegalArgumentException(tooMany);
    }
    return java.util.Map.copyOf(out);
  }

  private static String formatLabels(java.util.Map<String, String> labels) {
    return String.join(",", new java.util.TreeMap<>(labels).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).toList());
  }

  private static String redisUrl(String raw) {
    String v = raw.trim();
    if (!v.matches("(redis|rediss|unix)://.+")) {
      throw new IllegalArgumentException("'" + raw + "' is not a Redis URL (redis://host:port/db, rediss://..., unix:///path)");
    }
    try {
      java.net.URI.create(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + raw + "' is not a valid URL");
    }
    return v;
  }

  private static List<Path> absolutePaths(String raw) {
    List<Path> out = new java.util.ArrayList<>();
    for (String part : raw.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      String p = part.trim();
      if (!p.startsWith("/") || p.indexOf('\0') >= 0 || java.util.Arrays.asList(p.split("/")).contains("..")) {
        throw new IllegalArgumentException("'" + p + "' is not an absolute path without '..'");
      }
      out.add(Path.of(p).normalize());
    }
    return List.copyOf(out);
  }

  private static List<String> hostPorts(String raw) {
    List<String> out = new java.util.ArrayList<>();
    for (String part : raw.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int colon = p.lastIndexOf(':');
      int port = -1;
      try {
        port = colon > 0 ? Integer.parseInt(p.substring(colon + 1)) : -1;
      } catch (NumberFormatException ignored) {
        // reported below
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("'" + p + "' is not host:port");
      }
      out.add(p);
    }
    return List.copyOf(out);
  }

  private static String nonEmpty(String raw) {
    if (raw.isBlank()) {
      throw new IllegalArgumentException("must not be empty");
    }
    return raw;
  }
}

package io.cairn.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster of real `cairn agent --cluster` JVMs on 127.0.0.1, each with its own data dir under
 * {@code root} and fixed peer and Raft ports picked free, so a restarted node comes back as itself.
 */
public final class ClusterNodes implements AutoCloseable {
  public static final String SECRET = "test-cluster-secret-0123456789";
  private static final HttpClient HTTP = TestNode.http();

  private final Path root;
  private final List<Member> members = new ArrayList<>();
  private final Map<String, String> settings;
  /** With TLS: the cluster CA, which issues each member its certificate; null for plaintext clusters. */
  private io.cairn.tls.CertificateAuthority ca;
  private boolean httpTls;
  private HttpClient tlsHttp;

  /** One node: its ports stay the same across restarts. */
  public final class Member {
    final int index;
    final int clusterPort;
    final int raftPort;
    final boolean server;
    final List<String> extraArgs;
    Process process;

    Member(int index, int clusterPort, int raftPort, boolean server, List<String> extraArgs) {
      this.index = index;
      this.clusterPort = clusterPort;
      this.raftPort = raftPort;
      this.server = server;
      this.extraArgs = extraArgs;
    }

    public int index() {
      return index;
    }

    public Path dataDir() {
      return root.resolve("node" + index);
    }

    public String clusterAddress() {
      return "127.0.0.1:" + clusterPort;
    }

    /** Its Raft (Apache Ratis) port: any Ratis client that reaches it can propose entries. */
    public int raftPort() {
      return raftPort;
    }

    public boolean alive() {
      return process != null && process.isAlive();
    }

    /** The API base URL, once the node wrote its port. */
    public String base() {
      try {
        return (httpTls ? "https" : "http") + "://127.0.0.1:" + Files.readString(dataDir().resolve("http.port")).trim();
      } catch (IOException e) {
        throw new IllegalStateException("node " + index + " has no http.port yet", e);
      }
    }

    public String nodeId() {
      try {
        return Files.readString(dataDir().resolve("node.id")).trim();
      } catch (IOException e) {
        throw new IllegalStateException("node " + index + " has no id yet", e);
      }
    }

    public void start() throws IOException {
      Files.createDirectories(dataDir());
      Files.deleteIfExists(dataDir().resolve("http.port"));
      List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
          "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx256m",
          "-cp", System.getProperty("java.class.path"), "io.cairn.Main", "agent", "--cluster",
          "--join", joinList(), "--cluster-port", Integer.toString(clusterPort),
          "--raft-port", Integer.toString(raftPort), "--http-port", "0", "--s3-port", "0",
          "--data-dir", dataDir().toString(), "--log-format", "text"));
      if (!server) {
        cmd.add("--client-only");
      }
      cmd.addAll(extraArgs);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir().resolve("agent.log").toFile()));
      pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
      pb.environment().put("CAIRN_CLUSTER_SECRET", SECRET);
      pb.environment().put("CAIRN_ADMISSION_CPU_THRESHOLD", "100");
      pb.environment().put("CAIRN_RECONCILE_MIN_RESTART_BACKOFF", "100ms");
      pb.environment().put("CAIRN_SHUTDOWN_GRACE_PERIOD", "3s");
      settings.forEach((path, value) -> pb.environment().put(envName(path), value));
      if (ca != null) {
        Path dir = tlsDir();
        String name = "node" + index;
        if (!Files.exists(io.cairn.tls.KeyAndCertificate.certificateFile(dir, name))) {
          io.cairn.tls.NodeCertificates.issue(ca, server ? io.cairn.tls.Role.SERVER : io.cairn.tls.Role.CLIENT, name,
              List.of("127.0.0.1"), List.of("localhost"), Duration.ofDays(30)).write(dir, false);
        }
        pb.environment().put("CAIRN_TLS_CA_FILE", dir.resolve("ca.pem").toString());
        pb.environment().put("CAIRN_TLS_CERT_FILE", io.cairn.tls.KeyAndCertificate.certificateFile(dir, name).toString());
        pb.environment().put("CAIRN_TLS_KEY_FILE", io.cairn.tls.KeyAndCertificate.keyFile(dir, name).toString());
        pb.environment().put("CAIRN_TLS_HTTP", Boolean.toString(httpTls));
      }
      process = pb.start();
    }

    /** kill -9: no drain, no Leave. */
    public void kill() throws InterruptedException {
      if (process != null) {
        process.destroyForcibly();
        process.waitFor();
      }
    }

    /** SIGSTOP: the JVM freezes with its sockets open, as a node cut off by a partition looks to the others. */
    public void pause() throws IOException, InterruptedException {
      signal("STOP");
    }

    /** SIGCONT after {@link #pause}: the partition heals. */
    public void resume() throws IOException, InterruptedException {
      signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
      if (process != null && process.isAlive()) {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
      }
    }

    /** SIGTERM and wait for the drain. */
    public void stop() throws InterruptedException {
      if (process != null && process.isAlive()) {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      }
    }

    public TestNode.Reply get(String path) {
      return send("GET", path, null);
    }

    public TestNode.Reply put(String path, String body) {
      return send("PUT", path, body);
    }

    public TestNode.Reply delete(String path) {
      return send("DELETE", path, null);
    }

    public TestNode.Reply send(String method, String path, String body) {
      return send(method, path, body, Map.of());
    }

    /** With extra request headers, e.g. Authorization. */
    public TestNode.Reply send(String method, String path, String body, Map<String, String> headers) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30));
      b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
          : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
      headers.forEach(b::header);
      try {
        HttpResponse<String> r = (httpTls ? tlsHttp : HTTP).send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new TestNode.Reply(r.statusCode(), r.body(), r.headers());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    /** Ready: caught up with the cluster (the readiness probe's cluster check). */
    public boolean ready() {
      try {
        return alive() && Files.exists(dataDir().resolve("http.port")) && get("/health/ready").status() == 200;
      } catch (RuntimeException e) {
        return false;
      }
    }

    public String log() {
      try {
        return Files.readString(dataDir().resolve("agent.log"));
      } catch (IOException e) {
        return "";
      }
    }
  }

  private ClusterNodes(Path root, Map<String, String> settings) {
    this.root = root;
    this.settings = new LinkedHashMap<>(settings);
  }

  /** {@code servers} voting nodes and {@code clients} listeners, all started; waits until all are ready. */
  public static ClusterNodes start(Path root, int servers, int clients, Map<String, String> settings) throws Exception {
    return start(new ClusterNodes(root, settings), servers, clients);
  }

  /**
   * The same with TLS: a CA in {@link #tlsDir()}, a certificate per member (role server or client,
   * for 127.0.0.1 and localhost), mutual TLS between nodes, and with {@code http} TLS on the API and
   * S3 ports too (requests then go over https with an operator's {@code cli} certificate).
   */
  public static ClusterNodes startTls(Path root, int servers, int clients, Map<String, String> settings, boolean http)
      throws Exception {
    ClusterNodes cluster = new ClusterNodes(root, settings);
    cluster.ca = io.cairn.tls.CertificateAuthority.create(Duration.ofDays(60));
    cluster.ca.write(cluster.tlsDir(), false);
    cluster.httpTls = http;
    io.cairn.tls.NodeCertificates.issue(cluster.ca, io.cairn.tls.Role.CLI, "operator", List.of(), List.of(),
        Duration.ofDays(30)).write(cluster.tlsDir(), false);
    javax.net.ssl.SSLContext ssl = io.cairn.tls.SslContexts.mutual(cluster.tlsDir().resolve("operator.pem"),
        cluster.tlsDir().resolve("operator-key.pem"), cluster.tlsDir().resolve("ca.pem"));
    cluster.tlsHttp = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    return start(cluster, servers, clients);
  }

  /** The CA (ca.pem, ca-key.pem) and every member's certificate (nodeN.pem) of a TLS cluster. */
  public Path tlsDir() {
    return root.resolve("tls");
  }

  /** The CA of a TLS cluster, to issue more certificates in a test. */
  public io.cairn.tls.CertificateAuthority ca() {
    return ca;
  }

  private static ClusterNodes start(ClusterNodes cluster, int servers, int clients) throws Exception {
    for (int i = 0; i < servers + clients; i++) {
      cluster.members.add(cluster.new Member(i, freePort(), freePort(), i < servers, List.of()));
    }
    try {
      for (Member m : cluster.members) {
        m.start();
      }
      cluster.awaitAllReady(Duration.ofSeconds(90));
    } catch (Exception | AssertionError e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** Every started node is ready; one that died fails at once, with its log. */
  public void awaitAllReady(Duration within) {
    await().atMost(within).pollInterval(Duration.ofMillis(250)).until(() -> {
      for (Member m : members) {
        if (m.process != null && !m.process.isAlive()) {
          throw new IllegalStateException("node " + m.index + " exited " + m.process.exitValue() + ":\n" + m.log());
        }
      }
      return members.stream().filter(m -> m.process != null).allMatch(Member::ready);
    });
  }

  /** Adds and starts one more node (a server, or a client-only listener). */
  public Member add(boolean server) throws IOException {
    Member m = new Member(members.size(), freePort(), freePort(), server, List.of());
    members.add(m);
    m.start();
    return m;
  }

  public Member node(int i) {
    return members.get(i);
  }

  public List<Member> members() {
    return List.copyOf(members);
  }

  /** The member the others name as Raft leader (asked of a live node). */
  public Member leader() {
    for (Member m : members) {
      if (m.alive()) {
        String leader = m.get("/api/v1/cluster").json().getString("leader");
        for (Member candidate : members) {
          if (candidate.nodeId().equals(leader)) {
            return candidate;
          }
        }
      }
    }
    throw new IllegalStateException("no leader known");
  }

  private String joinList() {
    return String.join(",", members.stream().filter(m -> m.server).map(Member::clusterAddress).toList());
  }

  static String envName(String path) {
    return "CAIRN_" + path.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(java.util.Locale.ROOT);
  }

  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A free port below Linux's ephemeral range (32768-60999): the ports a node binds with 0 (API, S3)
   * come from that range, so they can never take the peer or Raft port chosen here before the node
   * binds it (Ratis's gRPC server exits the JVM when its port is taken).
   */
  public static int freePort() throws IOException {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = random.nextInt(20_000, 32_000);
      if (!HANDED_OUT.add(port)) { // never the same port twice in one test JVM (a cluster's peer and Raft port were)
        continue;
      }
      try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port in 20000-32000");
  }

  @Override
  public void close() {
    for (Member m : members) {
      if (m.process != null && m.process.isAlive()) {
        try {
          m.resume(); // a frozen JVM would ignore SIGTERM until thawed
        } catch (IOException e) {
          // killed below if it does not stop
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        m.process.destroy();
      }
    }
    for (Member m : members) {
      try {
        if (m.process != null && !m.process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
          m.process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // a stopped agent leaves its workloads running by design; a test that failed midway must not
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (Member m : members) {
      try {
        ids.add(m.nodeId());
      } catch (IllegalStateException neverStarted) {
        // no id, no processes
      }
    }
    ProcessHandle.allProcesses().filter(h -> ids.contains(Processes.envVar(h.pid(), io.cairn.runtime.ProcessDriver.ENV_NODE_ID)))
        .forEach(ProcessHandle::destroyForcibly);
  }
}

package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.ClusterNodes;
import io.cairn.testing.Manifests;
import io.cairn.tls.CertificateAuthority;
import io.cairn.tls.KeyAndCertificate;
import io.cairn.tls.NodeCertificates;
import io.cairn.tls.Role;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster whose every port speaks TLS (certificates from {@code cairn tls}'s CA code): three
 * servers and a client-only node work as without TLS, through failover and snapshot catch-up, while
 * Ratis clients and servers of the test's own making — without a certificate, with one from another
 * CA, with a real {@code client} certificate — commit nothing and move no term, and plaintext gets
 * nowhere.
 */
@Timeout(400)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTlsTest {
  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  static Path root;
  static ClusterNodes cluster;

  @BeforeAll
  static void form() throws Exception {
    cluster = ClusterNodes.startTls(root, 3, 1, Map.of("cluster.snapshotThreshold", "100",
        "cluster.writeTimeout", "5s"), true);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static String zero(String name) {
    return Manifests.workload(name, 0, "sleep", "1").encode();
  }

  @Test
  @Order(1)
  void writesAndReadsGoThroughEveryNodeOverTls() {
    ClusterNodes.Member listener = cluster.node(3);
    assertThat(listener.base()).startsWith("https://");
    assertThat(listener.put("/api/v1/workloads/via-listener", zero("via-listener")).status()).isEqualTo(201);
    assertThat(cluster.node(1).get("/api/v1/workloads/via-listener?consistent=true").status()).isEqualTo(200);
    JsonObject status = listener.get("/api/v1/cluster").json();
    assertThat(status.getJsonArray("servers")).hasSize(4);
    // logs and tasks of another node come through this one over the peer port
    String talk = "while true; do echo \"hello from $CAIRN_INSTANCE_ID\"; sleep 0.2; done";
    assertThat(cluster.node(1).put("/api/v1/workloads/talker", Manifests.workload("talker", 3, "sh", "-c", talk)
        .encode()).status()).isEqualTo(201);
    ClusterNodes.Member asked = cluster.node(0);
    await().atMost(Duration.ofSeconds(30)).until(() -> "Running".equals(asked.get("/api/v1/workloads/talker").json()
        .getJsonObject("status").getString("phase")));
    String remote = asked.get("/api/v1/workloads/talker").json().getJsonObject("status").getJsonArray("instances")
        .stream().map(o -> (JsonObject) o).filter(i -> !i.getString("node").equals(asked.nodeId())).findFirst()
        .orElseThrow().getString("id");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
        asked.get("/api/v1/workloads/talker/logs?instance=" + remote + "&tail=3").body()).contains("hello from " + remote));
    assertThat(cluster.node(1).delete("/api/v1/workloads/talker").status()).isIn(200, 202, 204);
    ClusterNodes.Member submittedTo = cluster.node(2);
    var submitted = submittedTo.send("POST", "/api/v1/tasks", new JsonObject()
        .put("command", new io.vertx.core.json.JsonArray(List.of("sh", "-c", "echo task over tls"))).encode());
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String task = submitted.json().getString("id");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(
        asked.get("/api/v1/tasks/" + task + "/output").body()).contains("task over tls"));

    JsonObject ready = cluster.node(0).get("/health/ready").json();
    assertThat(ready.getJsonObject("checks").getJsonObject("tls").getJsonObject("data").getString("peers"))
        .isEqualTo("mutual TLS");
  }

  @Test
  @Order(2)
  void plaintextToTheApiPortIsRefused() {
    String https = cluster.node(0).base();
    String http = https.replace("https://", "http://");
    Throwable refused = catchThrowable(() -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
        .send(HttpRequest.newBuilder(URI.create(http + "/health/live")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()));
    assertThat(refused).as("plain HTTP to a TLS port gets no answer").isNotNull();
  }

  @Test
  @Order(3)
  void ratisClientsWithoutTheClustersCertificateCommitNothing() throws Exception {
    ClusterNodes.Member leader = cluster.leader();
    JsonObject before = leader.get("/api/v1/cluster").json();
    CertificateAuthority foreign = CertificateAuthority.create(Duration.ofDays(30));
    KeyAndCertificate foreignServer = NodeCertificates.issue(foreign, Role.SERVER, "intruder", List.of("127.0.0.1"),
        List.of(), Duration.ofDays(10));
    // the CA certificate is public: the intruder trusts it, and presents its own from another CA
    List<Parameters> attempts = List.of(new Parameters(), tls(foreignServer, cluster.ca().certificate()));
    for (Parameters params : attempts) {
      try (RaftClient client = attacker(params)) {
        Throwable refused = catchThrowable(() -> client.async().send(Message.valueOf(ByteString.copyFromUtf8("forged")))
            .get(20, TimeUnit.SECONDS));
        assertThat(refused).as("a Ratis client without a cluster certificate").isNotNull();
      }
    }
    // a real node certificate of role client may submit (as client-only nodes do) but not configure
    KeyAndCertificate clientCert = NodeCertificates.issue(cluster.ca(), Role.CLIENT, "not-a-server",
        List.of("127.0.0.1"), List.of(), Duration.ofDays(10));
    try (RaftClient client = attacker(tls(clientCert, cluster.ca().certificate()))) {
      Throwable refused = catchThrowable(() -> client.admin().setConfiguration(List.of(peer(leader))));
      assertThat(refused).as("admin call with a client certificate").isNotNull()
          .hasStackTraceContaining("PERMISSION_DENIED");
    }
    JsonObject after = leader.get("/api/v1/cluster").json();
    assertThat(after.getLong("term")).isEqualTo(before.getLong("term"));
    assertThat(after.getJsonArray("servers")).hasSize(4);
    assertThat(cluster.members().stream().filter(m -> m.index() < 3).map(m -> m.get("/metrics").body()).toList())
        .as("the refusals are counted where they were made").anySatisfy(metrics -> assertThat(metrics)
            .containsPattern("cairn_tls_handshake_failures_total\\{listener=\"raft\"[^}]*} [1-9]"));

    // the peer port: plaintext gets nothing, a certificate from another CA is refused and audited
    String peer = leader.clusterAddress();
    assertThat(catchThrowable(() -> HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build().send(
        HttpRequest.newBuilder(URI.create("http://" + peer + "/cairn.peer.v1.Peer/Hello")).timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())))
        .as("plaintext to the peer port").isNotNull();
    java.nio.file.Path pem = java.nio.file.Files.createDirectories(root.resolve("foreign-pem"));
    foreign.write(pem, false);
    foreignServer.write(pem, false);
    HttpClient intruder = HttpClient.newBuilder().sslContext(io.cairn.tls.SslContexts.client(
        cluster.tlsDir().resolve("ca.pem"), pem.resolve("intruder.pem"), pem.resolve("intruder-key.pem"))).build();
    assertThat(catchThrowable(() -> intruder.send(HttpRequest.newBuilder(URI.create("https://" + peer + "/x"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString())))
        .as("a foreign certificate on the peer port").isNotNull();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(leader.get("/metrics").body())
        .containsPattern("cairn_tls_handshake_failures_total\\{listener=\"peer\"[^}]*} [1-9]"));
    // audited too: one AuthDenied event per source and window (the raft refusals may have opened it)
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
        leader.get("/api/v1/events?type=AuthDenied").body()).containsPattern("TLS handshake on the (peer|raft) port"));
  }

  @Test
  @Order(4)
  void aRatisServerWithoutAServerCertificateTriggersNoElection() throws Exception {
    ClusterNodes.Member leader = cluster.leader();
    long term = leader.get("/api/v1/cluster").json().getLong("term");
    CertificateAuthority foreign = CertificateAuthority.create(Duration.ofDays(30));
    KeyAndCertificate foreignServer = NodeCertificates.issue(foreign, Role.SERVER, "intruder", List.of("127.0.0.1"),
        List.of(), Duration.ofDays(10));
    KeyAndCertificate clientCert = NodeCertificates.issue(cluster.ca(), Role.CLIENT, "would-be-voter",
        List.of("127.0.0.1"), List.of(), Duration.ofDays(10));
    List<RaftServer> intruders = new ArrayList<>();
    try {
      int i = 0;
      for (Parameters params : List.of(new Parameters(), tls(foreignServer, cluster.ca().certificate()),
          tls(clientCert, cluster.ca().certificate()))) {
        intruders.add(intruderServer(root.resolve("intruder" + i++), params));
      }
      Thread.sleep(4000); // several of their election timeouts: each asked every real server for votes
      JsonObject after = leader.get("/api/v1/cluster").json();
      assertThat(after.getLong("term")).as("no real server saw a higher term").isEqualTo(term);
      assertThat(after.getString("leader")).isEqualTo(leader.nodeId());
    } finally {
      for (RaftServer s : intruders) {
        s.close();
      }
    }
    assertThat(leader.put("/api/v1/workloads/after-intruders", zero("after-intruders")).status()).isEqualTo(201);
  }

  @Test
  @Order(5)
  void failoverAndSnapshotCatchUpWorkOverTls() throws Exception {
    ClusterNodes.Member leader = cluster.leader();
    ClusterNodes.Member behind = cluster.members().stream().filter(m -> m != leader && m.index() < 3).findFirst()
        .orElseThrow();
    behind.kill();
    for (int i = 0; i < 300; i++) {
      assertThat(leader.put("/api/v1/workloads/bulk-" + i, zero("bulk-" + i)).status()).isEqualTo(201);
    }
    long started = System.nanoTime();
    behind.start();
    await().atMost(Duration.ofSeconds(60)).until(behind::ready);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(cluster.members().stream()
        .map(m -> m.get("/api/v1/cluster/digest").json()).map(d -> d.getLong("appliedIndex") + "/" + d.getString("digest"))
        .distinct().toList()).hasSize(1));
    System.out.printf("TLS: catch-up of a server 300 workloads behind: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    assertThat(behind.log()).contains("installed state snapshot");

    ClusterNodes.Member other = cluster.members().stream().filter(m -> m != leader && m.index() < 3).findFirst()
        .orElseThrow();
    String oldLeader = leader.nodeId();
    leader.kill();
    long killedAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
        other.put("/api/v1/workloads/after-failover", zero("after-failover")).status() == 201);
    System.out.printf("TLS: kill -9 of the leader to the next committed write: %d ms%n",
        (System.nanoTime() - killedAt) / 1_000_000);
    assertThat(other.get("/api/v1/cluster").json().getString("leader")).isNotEqualTo(oldLeader);
    assertThat(other.get("/api/v1/workloads/bulk-299?consistent=true").status()).isEqualTo(200);
    leader.start();
    await().atMost(Duration.ofSeconds(60)).until(leader::ready);
  }

  private static RaftPeer peer(ClusterNodes.Member m) {
    return RaftPeer.newBuilder().setId(m.nodeId()).setAddress("127.0.0.1:" + m.raftPort()).build();
  }

  private static Parameters tls(KeyAndCertificate own, java.security.cert.X509Certificate ca) {
    Parameters params = new Parameters();
    GrpcConfigKeys.TLS.setConf(params, new GrpcTlsConfig(own.key(), own.certificate(), ca, true));
    return params;
  }

  private static RaftClient attacker(Parameters params) {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    List<RaftPeer> peers = cluster.members().stream().filter(m -> m.index() < 3).map(ClusterTlsTest::peer).toList();
    return RaftClient.newBuilder().setProperties(properties).setParameters(params)
        .setRaftGroup(RaftGroup.valueOf(RaftNode.GROUP, peers)).setRetryPolicy(RetryPolicies.noRetry()).build();
  }

  /** A Ratis server that claims to be a member of the cluster's group and campaigns for votes. */
  private static RaftServer intruderServer(Path dir, Parameters params) throws Exception {
    int port = ClusterNodes.freePort(); // outside the ephemeral range: Ratis exits the JVM if its port is taken
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setHost(properties, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(properties, port);
    RaftServerConfigKeys.setStorageDir(properties, List.of(dir.toFile()));
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
    List<RaftPeer> peers = new ArrayList<>(cluster.members().stream().filter(m -> m.index() < 3)
        .map(ClusterTlsTest::peer).toList());
    RaftPeer self = RaftPeer.newBuilder().setId("intruder-" + port).setAddress("127.0.0.1:" + port).build();
    peers.add(self);
    RaftServer server = RaftServer.newBuilder().setServerId(self.getId()).setGroup(RaftGroup.valueOf(RaftNode.GROUP, peers))
        .setProperties(properties).setParameters(params).setStateMachine(new BaseStateMachine())
        .setOption(RaftStorage.StartupOption.FORMAT).build();
    server.start();
    return server;
  }
}

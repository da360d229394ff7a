package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.ClusterNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three server JVMs form one Raft group; every node sees every member; peers must know the secret. */
@Timeout(300)
class ClusterFormationTest {
  @TempDir
  static Path root;
  static ClusterNodes cluster;

  @BeforeAll
  static void form() throws Exception {
    cluster = ClusterNodes.start(root, 3, 0, Map.of());
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static Map<String, String> states(ClusterNodes.Member asked) {
    JsonArray items = asked.get("/api/v1/nodes").json().getJsonArray("items");
    return items.stream().map(o -> (JsonObject) o)
        .collect(Collectors.toMap(n -> n.getString("id"), n -> n.getString("state")));
  }

  @Test
  void everyNodeListsThreeReadyServersAndOneLeader() {
    Set<String> ids = cluster.members().stream().map(ClusterNodes.Member::nodeId).collect(Collectors.toSet());
    for (ClusterNodes.Member m : cluster.members()) {
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        assertThat(states(m)).containsOnlyKeys(ids).allSatisfy((id, state) -> assertThat(state).isEqualTo("Ready"));
      });
    }
    JsonObject status = cluster.node(1).get("/api/v1/cluster").json();
    assertThat(status.getBoolean("enabled")).isTrue();
    assertThat(ids).contains(status.getString("leader"));
    assertThat(status.getJsonArray("servers")).hasSize(3);
    JsonArray nodes = cluster.node(2).get("/api/v1/nodes").json().getJsonArray("items");
    assertThat(nodes.stream().map(o -> ((JsonObject) o).getString("raftRole")).toList())
        .containsExactlyInAnyOrder("leader", "follower", "follower");
    JsonObject one = cluster.node(0).get("/api/v1/nodes/" + cluster.node(1).nodeId()).json();
    assertThat(one.getJsonObject("addresses").getString("cluster")).isEqualTo(cluster.node(1).clusterAddress());
    assertThat(one.getBoolean("server")).isTrue();
    assertThat(cluster.node(0).get("/api/v1/nodes/no-such-node").code()).isEqualTo("NOT_FOUND");
  }

  @Test
  void allNodesReachTheSameDigest() {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<JsonObject> digests = cluster.members().stream().map(m -> m.get("/api/v1/cluster/digest").json()).toList();
      assertThat(digests.stream().map(d -> d.getLong("appliedIndex")).distinct()).hasSize(1);
      assertThat(digests.stream().map(d -> d.getString("digest")).distinct()).hasSize(1);
      assertThat(digests.get(0).getLong("appliedIndex")).isPositive();
    });
  }

  @Test
  void theCliAndGrpcListTheMembersOfAnyNode() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int exit = io.cairn.cli.Cli.run(io.cairn.Main.commandLine(), new String[] {"node", "list"},
        Map.of("CAIRN_ADDR", cluster.node(2).base(), "HOME", "/nonexistent"), new java.io.ByteArrayInputStream(new byte[0]),
        new java.io.PrintStream(out, true), new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
    assertThat(exit).isZero();
    String table = out.toString();
    assertThat(table).contains("STATE", "ROLE", "leader", "follower");
    cluster.members().forEach(m -> assertThat(table).contains(m.nodeId()));

    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      var client = io.vertx.grpc.client.GrpcClient.client(vertx);
      var address = io.vertx.core.net.SocketAddress.inetSocketAddress(
          Integer.parseInt(cluster.node(1).base().substring(cluster.node(1).base().lastIndexOf(':') + 1)), "127.0.0.1");
      io.cairn.grpc.v1.ListNodesResponse listed = client.request(address, io.cairn.grpc.v1.NodeServiceGrpcClient.ListNodes)
          .compose(req -> req.end(io.cairn.grpc.v1.ListNodesRequest.getDefaultInstance()).compose(v -> req.response()))
          .compose(resp -> resp.last()).toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(listed.getItemsList()).hasSize(3).allSatisfy(n -> {
        assertThat(n.getState()).isEqualTo("Ready");
        assertThat(n.getServer()).isTrue();
        assertThat(n.getAddresses().getRaft()).startsWith("127.0.0.1:");
      });
      io.cairn.grpc.v1.Node one = client.request(address, io.cairn.grpc.v1.NodeServiceGrpcClient.GetNode)
          .compose(req -> req.end(io.cairn.grpc.v1.GetNodeRequest.newBuilder().setId(cluster.node(0).nodeId()).build())
              .compose(v -> req.response()))
          .compose(resp -> resp.last()).toCompletionStage().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(one.getId()).isEqualTo(cluster.node(0).nodeId());
      assertThat(one.getRaftRole()).isIn("leader", "follower");
    } finally {
      vertx.close();
    }
  }
}

package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.ClusterNodes;
import io.cairn.testing.Manifests;
import io.cairn.testing.Processes;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three servers and a client-only listener, with frequent snapshots: the listener follows the log
 * and serves reads; a follower far behind catches up by snapshot; the leader's death loses nothing
 * acknowledged; a node restarted under its instance adopts it instead of starting another.
 */
@Timeout(400)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFailoverTest {
  @TempDir
  static Path root;
  static ClusterNodes cluster;

  @BeforeAll
  static void form() throws Exception {
    cluster = ClusterNodes.start(root, 3, 1, Map.of("cluster.snapshotThreshold", "100", "cluster.writeTimeout", "5s"));
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
  void aClientOnlyNodeIsAListenerThatServesReads() {
    ClusterNodes.Member listener = cluster.node(3);
    JsonObject status = listener.get("/api/v1/cluster").json();
    assertThat(status.getJsonArray("servers").stream().map(o -> (JsonObject) o)
        .filter(s -> s.getString("id").equals(listener.nodeId())).map(s -> s.getString("role")).toList())
        .containsExactly("listener");
    JsonObject self = listener.get("/api/v1/nodes/" + listener.nodeId()).json();
    assertThat(self.getBoolean("server")).isFalse();
    assertThat(self.getString("raftRole")).isEqualTo("listener");
    assertThat(cluster.node(0).put("/api/v1/workloads/seen-by-listener", zero("seen-by-listener")).status()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.get("/api/v1/workloads/seen-by-listener").status() == 200);
    assertThat(listener.put("/api/v1/workloads/written-by-listener", zero("written-by-listener")).status())
        .as("a listener forwards writes to the leader").isEqualTo(201);
    TestNode.Reply consistent = cluster.node(1).get("/api/v1/workloads/written-by-listener?consistent=true");
    assertThat(consistent.status()).as("consistent read on node 1: %s%n%s", consistent.body(), cluster.node(1).log())
        .isEqualTo(200);
  }

  @Test
  @Order(2)
  void aFollowerFarBehindCatchesUpFromASnapshot() throws Exception {
    ClusterNodes.Member leader = cluster.leader();
    ClusterNodes.Member behind = cluster.members().stream().filter(m -> m != leader && m.index() < 3).findFirst()
        .orElseThrow();
    behind.kill();
    for (int i = 0; i < 400; i++) {
      assertThat(leader.put("/api/v1/workloads/bulk-" + i, zero("bulk-" + i)).status()).isEqualTo(201);
    }
    long started = System.nanoTime();
    behind.start();
    await().atMost(Duration.ofSeconds(60)).until(behind::ready);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      List<String> digests = cluster.members().stream().map(m -> m.get("/api/v1/cluster/digest").json())
          .map(d -> d.getLong("appliedIndex") + "/" + d.getString("digest")).distinct().toList();
      assertThat(digests).hasSize(1);
    });
    System.out.printf("catch-up of a server 400 workloads behind: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    assertThat(behind.log()).as("it received the leader's snapshot").contains("installed state snapshot");
    assertThat(behind.get("/api/v1/workloads/bulk-399").status()).isEqualTo(200);
  }

  @Test
  @Order(3)
  void killingTheLeaderLosesNothingAcknowledged() throws Exception {
    ClusterNodes.Member leader = cluster.leader();
    ClusterNodes.Member other = cluster.members().stream().filter(m -> m != leader && m.index() < 3).findFirst()
        .orElseThrow();
    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      if (other.put("/api/v1/workloads/acked-" + i, zero("acked-" + i)).status() == 201) {
        acknowledged.add("acked-" + i);
      }
    }
    assertThat(acknowledged).hasSize(20);
    String oldLeader = leader.nodeId();
    leader.kill();
    long killedAt = System.nanoTime();
    // the next write that commits: retried until a new leader takes it
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
        other.put("/api/v1/workloads/after-failover", zero("after-failover")).status() == 201);
    System.out.printf("kill -9 of the leader to the next committed write: %d ms%n",
        (System.nanoTime() - killedAt) / 1_000_000);
    String newLeader = other.get("/api/v1/cluster").json().getString("leader");
    assertThat(newLeader).isNotNull().isNotEqualTo(oldLeader);
    for (String name : acknowledged) {
      assertThat(other.get("/api/v1/workloads/" + name + "?consistent=true").status()).as(name).isEqualTo(200);
    }
    // the listener keeps receiving the log from the new leader (which may be the server that caught
    // up from a snapshot before: such a leader once wrote a configuration without the listener)
    ClusterNodes.Member listener = cluster.node(3);
    await().atMost(Duration.ofSeconds(15)).until(() -> listener.get("/api/v1/workloads/after-failover").status() == 200);
    boolean repaired = cluster.members().stream().anyMatch(m -> m.log().contains("missing from the Raft configuration"));
    System.out.println("listener had to be put back into the Raft configuration: " + repaired);
    leader.start();
    await().atMost(Duration.ofSeconds(60)).until(leader::ready);
  }

  @Test
  @Order(4)
  void aRestartedNodeAdoptsItsInstanceAndStartsNoDuplicate() throws Exception {
    ClusterNodes.Member any = cluster.node(0);
    assertThat(any.put("/api/v1/workloads/spread", Manifests.workload("spread", 4, "sleep", "300").encode()).status())
        .isEqualTo(201);
    await().atMost(Duration.ofSeconds(30)).until(() -> "Running".equals(
        any.get("/api/v1/workloads/spread").json().getJsonObject("status").getString("phase")));
    List<JsonObject> instances = any.get("/api/v1/workloads/spread").json().getJsonObject("status")
        .getJsonArray("instances").stream().map(o -> (JsonObject) o).toList();
    assertThat(instances.stream().map(i -> i.getString("node")).distinct()).as("spread over all 4 nodes").hasSize(4);
    ClusterNodes.Member restarted = cluster.node(2);
    JsonObject itsInstance = instances.stream().filter(i -> i.getString("node").equals(restarted.nodeId())).findFirst()
        .orElseThrow();
    restarted.kill(); // the agent dies; its instance's process lives on
    assertThat(Processes.running(itsInstance.getLong("pid"))).isTrue();
    restarted.start();
    await().atMost(Duration.ofSeconds(60)).until(restarted::ready);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      JsonObject now = restarted.get("/api/v1/workloads/spread").json();
      assertThat(now.getJsonObject("status").getString("phase")).isEqualTo("Running");
      assertThat(now.getJsonObject("status").getJsonArray("instances")).hasSize(4);
    });
    for (JsonObject i : instances) {
      assertThat(Processes.countWithInstanceId(i.getString("id"))).as(i.getString("id")).isEqualTo(1);
    }
    assertThat(restarted.log()).contains("adopted running instance");
    TestNode.Reply deleted = any.delete("/api/v1/workloads/spread");
    assertThat(deleted.status()).isIn(200, 202);
    try {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          instances.forEach(i -> assertThat(Processes.countWithInstanceId(i.getString("id"))).isZero()));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // seen once in a full CI run, not reproduced alone: say which instance and what each node logged of it
      StringBuilder why = new StringBuilder(e.getMessage());
      for (JsonObject i : instances) {
        if (Processes.countWithInstanceId(i.getString("id")) > 0) {
          why.append("\nstill running: ").append(i.encode());
          for (ClusterNodes.Member m : cluster.members()) {
            m.log().lines().filter(l -> l.contains(i.getString("id")) || l.contains("WARN") || l.contains("ERROR"))
                .forEach(l -> why.append("\n  node ").append(m.index()).append(": ").append(l));
          }
        }
      }
      throw new AssertionError(why.toString(), e);
    }
  }
}

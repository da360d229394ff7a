package io.cairn.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.Manifests;
import io.cairn.testing.Processes;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Workloads outlive the agent; a restarted agent adopts live instances and restarts dead ones, never twice. */
@Timeout(90)
class AdoptionTest {
  @TempDir
  Path data;

  static JsonObject instance(TestNode node, String workload, int index) {
    return node.workload(workload).getJsonObject("status").getJsonArray("instances").getJsonObject(index);
  }

  @Test
  void aRestartedAgentAdoptsLiveInstancesWithoutDuplicatesAndRestartsDeadOnes() {
    TestNode first = TestNode.start(data);
    first.apply("keeper", Manifests.workload("keeper", 2, "sleep", "300"));
    JsonObject a = instance(first, "keeper", 0);
    JsonObject b = instance(first, "keeper", 1);
    String nodeId = first.nodeId();
    first.stop();

    assertThat(Processes.running(a.getLong("pid"))).as("workloads keep running while the agent is down").isTrue();
    Processes.kill(b.getLong("pid"));
    await().atMost(Duration.ofSeconds(5)).until(() -> !Processes.running(b.getLong("pid")));

    TestNode second = TestNode.start(data);
    try {
      assertThat(second.nodeId()).isEqualTo(nodeId);
      JsonObject adopted = instance(second, "keeper", 0);
      assertThat(adopted.getString("id")).isEqualTo(a.getString("id"));
      assertThat(adopted.getLong("pid")).isEqualTo(a.getLong("pid"));
      assertThat(adopted.getString("state")).isEqualTo("Running");
      assertThat(Processes.countWithInstanceId(a.getString("id"))).as("no duplicate started").isEqualTo(1);
      assertThat(second.get("/api/v1/events?type=InstanceAdopted").json().getJsonArray("items").encode())
          .contains(a.getString("id"));

      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        JsonObject restarted = instance(second, "keeper", 1);
        assertThat(restarted.getString("id")).isEqualTo(b.getString("id"));
        assertThat(restarted.getString("state")).isEqualTo("Running");
        assertThat(restarted.getLong("pid")).isNotEqualTo(b.getLong("pid"));
      });
      assertThat(Processes.countWithInstanceId(b.getString("id"))).isEqualTo(1);

      // an adopted process is not the new agent's child; its end must still be noticed
      Processes.kill(a.getLong("pid"));
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        JsonObject again = instance(second, "keeper", 0);
        assertThat(again.getString("state")).isEqualTo("Running");
        assertThat(again.getLong("pid")).isNotEqualTo(a.getLong("pid"));
        assertThat(again.getInteger("restarts")).isEqualTo(1);
      });
    } finally {
      second.delete("/api/v1/workloads/keeper");
      await().atMost(Duration.ofSeconds(10)).until(() -> second.get("/api/v1/workloads/keeper").status() == 404);
      second.close();
    }
  }

  @Test
  void outputWrittenWhileTheAgentIsDownIsNotLost() throws Exception {
    TestNode first = TestNode.start(data);
    first.apply("talker", Manifests.workload("talker", 1, "sh", "-c",
        "i=0; while [ $i -lt 400 ]; do echo line $i; i=$((i+1)); sleep 0.01; done; sleep 300"));
    await().atMost(Duration.ofSeconds(10)).until(() -> first.get("/api/v1/workloads/talker/logs?tail=1").body()
        .contains("line"));
    first.stop();
    Thread.sleep(1500); // the instance keeps writing into its pipe while no agent reads it

    TestNode second = TestNode.start(data);
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> second.get("/api/v1/workloads/talker/logs?tail=1").body()
          .contains("line 399"));
      String[] lines = second.get("/api/v1/workloads/talker/logs?tail=1000&stream=stdout").body().split("\n");
      java.util.List<String> said = java.util.Arrays.stream(lines).filter(l -> l.startsWith("line ")).toList();
      assertThat(said).hasSize(400);
      for (int n = 0; n < 400; n++) {
        assertThat(said.get(n)).isEqualTo("line " + n);
      }
    } finally {
      second.delete("/api/v1/workloads/talker");
      await().atMost(Duration.ofSeconds(10)).until(() -> second.get("/api/v1/workloads/talker").status() == 404);
      second.close();
    }
  }
}

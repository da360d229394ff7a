package io.cairn.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.runtime.ProcessDriver;
import io.cairn.testing.Manifests;
import io.cairn.testing.Processes;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The garbage collector kills processes no desired state owns and removes expired Failed workloads. */
@Timeout(60)
class GarbageCollectorTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(Map.of("gc.failedTtl", "2s"), n -> node = n);

  @Test
  void aProcessMarkedAsThisNodesButOwnedByNoInstanceIsKilled() throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sleep", "300");
    pb.environment().put(ProcessDriver.ENV_NODE_ID, node.nodeId());
    pb.environment().put(ProcessDriver.ENV_INSTANCE_ID, "vanished-0-abcde");
    pb.environment().put(ProcessDriver.ENV_WORKLOAD, "vanished");
    Process orphan = pb.start();

    ProcessBuilder other = new ProcessBuilder("sleep", "300");
    other.environment().put(ProcessDriver.ENV_NODE_ID, "some-other-node");
    other.environment().put(ProcessDriver.ENV_INSTANCE_ID, "theirs-0-abcde");
    Process notOurs = other.start();
    try {
      node.apply("owned", Manifests.workload("owned", 1, "sleep", "300"));
      long ownedPid = node.workload("owned").getJsonObject("status").getJsonArray("instances").getJsonObject(0)
          .getLong("pid");

      await().atMost(Duration.ofSeconds(10)).until(() -> !orphan.isAlive());
      assertThat(notOurs.isAlive()).as("another node's process is left alone").isTrue();
      assertThat(Processes.running(ownedPid)).as("an owned instance is left alone").isTrue();
      assertThat(node.get("/api/v1/events?type=GcCollected").json().getJsonArray("items").encode())
          .contains("vanished-0-abcde");
      assertThat(node.get("/metrics").body()).containsPattern("cairn_gc_collected_total\\{kind=\"process\"[^}]*} [1-9]");
    } finally {
      notOurs.destroyForcibly();
      node.delete("/api/v1/workloads/owned");
    }
  }

  @Test
  void aFailedWorkloadIsRemovedAfterTheFailedTtl() {
    node.apply("doomed", Manifests.withRestart(Manifests.workload("doomed", 1, "false"), "Never", 0, "1s", "1s"));
    await().atMost(Duration.ofSeconds(10)).until(() ->
        node.workload("doomed").getJsonObject("status").getString("phase").equals("Failed"));
    await().atMost(Duration.ofSeconds(15)).until(() -> node.get("/api/v1/workloads/doomed").status() == 404);
    assertThat(node.get("/metrics").body()).containsPattern("cairn_gc_collected_total\\{kind=\"workload\"[^}]*} [1-9]");
  }
}

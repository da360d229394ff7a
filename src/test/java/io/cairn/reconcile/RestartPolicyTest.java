package io.cairn.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.Manifests;
import io.cairn.testing.Processes;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Restarts with backoff, the restart budget, Failed with a reason, retry, and exec failures. */
@Timeout(120)
class RestartPolicyTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  static JsonObject firstInstance(String name) {
    return node.workload(name).getJsonObject("status").getJsonArray("instances").getJsonObject(0);
  }

  @Test
  void killedInstanceIsRestartedAfterAVisibleBackoff() {
    node.apply("phoenix", Manifests.withRestart(Manifests.workload("phoenix", 1, "sleep", "300"), "Always", 5, "2s", "10s"));
    long pid = firstInstance("phoenix").getLong("pid");
    Instant killedAt = Instant.now();
    Processes.kill(pid);

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      JsonObject inst = firstInstance("phoenix");
      assertThat(inst.getString("state")).isEqualTo("BackOff");
      assertThat(inst.getInteger("lastExitCode")).isEqualTo(137);
      Instant next = Instant.parse(inst.getString("nextRestartAt"));
      // 2s initial backoff with at most 10% jitter either way
      assertThat(next).isAfter(killedAt.plusMillis(1500)).isBefore(killedAt.plusMillis(3500));
    });
    assertThat(node.workload("phoenix").getJsonObject("status").getString("phase")).isEqualTo("Degraded");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonObject inst = firstInstance("phoenix");
      assertThat(inst.getString("state")).isEqualTo("Running");
      assertThat(inst.getInteger("restarts")).isEqualTo(1);
      assertThat(inst.getLong("pid")).isNotEqualTo(pid);
    });
    assertThat(node.workload("phoenix").getJsonObject("status").getString("phase")).isEqualTo("Running");
    node.delete("/api/v1/workloads/phoenix");
  }

  @Test
  void exceedingMaxRestartsFailsTheWorkloadWithAReasonAndRetryResetsTheBudget() {
    node.apply("crasher", Manifests.withRestart(Manifests.workload("crasher", 1, "sh", "-c", "exit 3"),
        "Always", 2, "100ms", "200ms"));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      JsonObject status = node.workload("crasher").getJsonObject("status");
      assertThat(status.getString("phase")).isEqualTo("Failed");
      assertThat(status.getString("failureReason")).contains("exited with code 3").contains("after 2 restarts")
          .contains("maxRestarts 2");
    });
    JsonObject inst = firstInstance("crasher");
    assertThat(inst.getString("state")).isEqualTo("Failed");
    assertThat(inst.getInteger("restarts")).isEqualTo(2);
    assertThat(node.get("/api/v1/events?workload=crasher&type=WorkloadFailed").json().getJsonArray("items")).hasSize(1);

    TestNode.Reply retried = node.post("/api/v1/workloads/crasher/retry", "application/json", "");
    assertThat(retried.status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(node.get("/api/v1/events?workload=crasher&type=WorkloadFailed").json().getJsonArray("items"))
            .as("after retry it runs its budget again and fails again").hasSize(2));

    node.apply("steady", Manifests.workload("steady", 1, "sleep", "300"));
    TestNode.Reply notFailed = node.post("/api/v1/workloads/steady/retry", "application/json", "");
    assertThat(notFailed.status()).isEqualTo(409);
    assertThat(notFailed.code()).isEqualTo("CONFLICT");
    node.delete("/api/v1/workloads/crasher");
    node.delete("/api/v1/workloads/steady");
  }

  @Test
  void onFailureLeavesASuccessfulExitAloneAndNeverDoesNotRestart() {
    node.apply("oneshot", Manifests.withRestart(Manifests.workload("oneshot", 2, "true"), "OnFailure", 3, "1s", "1s"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(node.workload("oneshot").getJsonObject("status").getString("phase")).isEqualTo("Succeeded"));

    node.apply("never", Manifests.withRestart(Manifests.workload("never", 1, "sh", "-c", "exit 4"), "Never", 3, "1s", "1s"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonObject status = node.workload("never").getJsonObject("status");
      assertThat(status.getString("phase")).isEqualTo("Failed");
      assertThat(status.getString("failureReason")).contains("exited with code 4").contains("Never");
    });
    assertThat(firstInstance("never").getInteger("restarts")).isZero();
    node.delete("/api/v1/workloads/oneshot");
    node.delete("/api/v1/workloads/never");
  }

  @Test
  void aMissingBinaryIsReportedExactlyByApplyAndInStatus() {
    TestNode.Reply reply = node.apply("ghost", Manifests.workload("ghost", 1, "python4", "-m", "http.server"));
    assertThat(reply.status()).isEqualTo(422);
    assertThat(reply.code()).isEqualTo("EXEC_FAILED");
    assertThat(reply.json().getJsonObject("error").getString("message")).isEqualTo("EXEC_FAILED: python4: not found");

    JsonObject status = node.workload("ghost").getJsonObject("status");
    assertThat(status.getString("phase")).isEqualTo("Failed");
    assertThat(status.getString("failureReason")).isEqualTo("EXEC_FAILED: python4: not found");
    assertThat(status.getJsonArray("instances").getJsonObject(0).getLong("pid")).isNull();

    TestNode.Reply badDir = node.apply("nodir", Manifests.workload("nodir", 1, "sleep", "1")
        .put("spec", Manifests.workload("nodir", 1, "sleep", "1").getJsonObject("spec").put("workingDir", "/tmp/no/such/dir")));
    assertThat(badDir.code()).isEqualTo("EXEC_FAILED");
    assertThat(badDir.json().getJsonObject("error").getString("message")).contains("/tmp/no/such/dir");
    node.delete("/api/v1/workloads/ghost");
    node.delete("/api/v1/workloads/nodir");
  }
}

package io.cairn.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.Manifests;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Applies that do not fit are refused with 422 INSUFFICIENT_RESOURCES naming the resource and amounts. */
@Timeout(60)
class AdmissionTest {
  @TempDir
  Path data;

  static JsonObject withResources(String name, int replicas, String cpu, String memory) {
    JsonObject m = Manifests.workload(name, replicas, "sleep", "300");
    m.getJsonObject("spec").put("resources", new JsonObject().put("cpu", cpu).put("memory", memory));
    return m;
  }

  @Test
  void requestsBeyondCapacityAreRejectedWithDetails() {
    try (TestNode node = TestNode.start(data)) {
      TestNode.Reply reply = node.apply("huge", withResources("huge", 2, "100m", "10000Gi"));
      assertThat(reply.status()).isEqualTo(422);
      assertThat(reply.code()).isEqualTo("INSUFFICIENT_RESOURCES");
      JsonObject detail = reply.json().getJsonObject("error").getJsonArray("details").getJsonObject(0);
      assertThat(detail.getString("field")).isEqualTo("spec.resources.memory");
      assertThat(detail.getString("resource")).isEqualTo("memory");
      assertThat(detail.getString("requested")).isEqualTo("20000Gi");
      assertThat(detail.getString("available")).isNotBlank();
      assertThat(node.get("/api/v1/workloads/huge").status()).as("nothing was stored").isEqualTo(404);
      assertThat(node.get("/api/v1/events?type=AdmissionRejected").json().getJsonArray("items")).hasSize(1);

      // what others already requested counts: the node's cpus are used up by the first workload
      long cpus = node.get("/api/v1/node").json().getJsonObject("capacity").getLong("cpus");
      assertThat(node.apply("first", withResources("first", 1, cpus + "", "1Mi")).status()).isEqualTo(201);
      TestNode.Reply second = node.apply("second", withResources("second", 1, "100m", "1Mi"));
      assertThat(second.code()).isEqualTo("INSUFFICIENT_RESOURCES");
      assertThat(second.json().getJsonObject("error").getJsonArray("details").getJsonObject(0).getString("resource"))
          .isEqualTo("cpu");
      // updating the first workload in place does not count it against itself
      assertThat(node.apply("first", withResources("first", 1, cpus + "", "2Mi")).status()).isEqualTo(200);
      node.delete("/api/v1/workloads/first");
      // a workload being deleted requests nothing any more
      assertThat(node.apply("second", withResources("second", 1, "100m", "1Mi")).status()).isEqualTo(201);
      node.delete("/api/v1/workloads/second");
    }
  }

  @Test
  void nodeUseAboveTheThresholdRejectsGrowth() {
    try (TestNode node = TestNode.start(data, Map.of("admission.memoryThreshold", "1", "admission.diskThreshold", "1"))) {
      TestNode.Reply reply = node.apply("any", Manifests.workload("any", 1, "sleep", "300"));
      assertThat(reply.code()).isEqualTo("INSUFFICIENT_RESOURCES");
      assertThat(reply.json().getJsonObject("error").getJsonArray("details").stream()
          .map(d -> ((JsonObject) d).getString("field"))).contains("node.memory", "node.disk");
    }
  }
}

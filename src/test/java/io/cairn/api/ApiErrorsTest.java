package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.Manifests;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every client mistake gets its own code and status, all field problems at once, and the request id. */
@Timeout(60)
class ApiErrorsTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  @Test
  void everyInvalidFieldIsReportedAtOnce() {
    TestNode.Reply reply = node.put("/api/v1/workloads/Bad_Name", "application/json",
        "{\"spec\":{\"replicas\":-1,\"command\":[],\"bogus\":1,\"stopGracePeriod\":\"soon\","
            + "\"resources\":{\"memory\":\"lots\"},\"restartPolicy\":{\"mode\":\"Sometimes\"}}}");
    assertThat(reply.status()).isEqualTo(400);
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("INVALID_ARGUMENT");
    JsonArray details = error.getJsonArray("details");
    assertThat(details.stream().map(d -> ((JsonObject) d).getString("field"))).containsExactlyInAnyOrder(
        "metadata.name", "spec.replicas", "spec.command", "spec.bogus", "spec.stopGracePeriod",
        "spec.resources.memory", "spec.restartPolicy.mode");
  }

  @Test
  void nameInBodyMustMatchThePath() {
    JsonObject m = Manifests.workload("other", 1, "sleep", "1");
    TestNode.Reply reply = node.apply("mine", m);
    assertThat(reply.code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(reply.body()).contains("metadata.name");
  }

  @Test
  void transportLevelMistakesHaveTheirOwnCodes() {
    assertThat(node.put("/api/v1/workloads/x", "text/plain", "hi").code()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
    assertThat(node.put("/api/v1/workloads/x", "text/plain", "hi").status()).isEqualTo(415);
    TestNode.Reply tooBig = node.put("/api/v1/workloads/x", "application/json", "{\"a\":\"" + "x".repeat(1_100_000) + "\"}");
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(tooBig.code()).isEqualTo("PAYLOAD_TOO_LARGE");
    TestNode.Reply malformed = node.put("/api/v1/workloads/x", "application/json", "{\"spec\":");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().getJsonObject("error").getJsonArray("details").getJsonObject(0).getString("field"))
        .isEqualTo("body");
    assertThat(node.put("/api/v1/workloads/x", "application/json", "{\"a\":1,\"a\":2}").code())
        .as("duplicate keys are ambiguous").isEqualTo("INVALID_ARGUMENT");
    assertThat(node.put("/api/v1/workloads/x", "application/json", "").code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(node.get("/no/such/thing").code()).isEqualTo("NOT_FOUND");
    TestNode.Reply patch = node.send(HttpRequest.newBuilder(URI.create(node.url("/api/v1/workloads/x")))
        .method("PATCH", HttpRequest.BodyPublishers.noBody()));
    assertThat(patch.status()).isEqualTo(405);
    assertThat(patch.code()).isEqualTo("METHOD_NOT_ALLOWED");
    assertThat(node.get("/api/v1/workloads?limit=abc").code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(node.get("/api/v1/events?since=yesterday").code()).isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  void theRequestIdIsEchoedAndCarriedIntoEvents() {
    TestNode.Reply generated = node.get("/api/v1/workloads");
    assertThat(generated.headers().firstValue("X-Request-Id")).hasValueSatisfying(id -> assertThat(id).hasSize(36));

    TestNode.Reply reply = node.send(HttpRequest.newBuilder(URI.create(node.url("/api/v1/workloads/traced")))
        .header("Content-Type", "application/json").header("X-Request-Id", "trace-123")
        .PUT(HttpRequest.BodyPublishers.ofString(Manifests.workload("traced", 1, "sleep", "300").encode())));
    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.headers().firstValue("X-Request-Id")).hasValue("trace-123");
    JsonArray events = node.get("/api/v1/events?workload=traced").json().getJsonArray("items");
    assertThat(events.stream().map(e -> ((JsonObject) e).getString("type") + "/" + ((JsonObject) e).getString("requestId")))
        .contains("WorkloadApplied/trace-123", "InstanceStarted/trace-123");

    TestNode.Reply error = node.send(HttpRequest.newBuilder(URI.create(node.url("/api/v1/workloads/nope")))
        .header("X-Request-Id", "trace-404").GET());
    assertThat(error.json().getJsonObject("error").getString("requestId")).isEqualTo("trace-404");
    node.delete("/api/v1/workloads/traced");
  }
}

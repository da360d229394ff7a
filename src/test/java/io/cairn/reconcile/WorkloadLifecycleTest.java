package io.cairn.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.Manifests;
import io.cairn.testing.Processes;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Apply, get, list, scale and delete with real child processes. */
@Timeout(120)
class WorkloadLifecycleTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  static List<Long> pids(JsonObject workload) {
    return workload.getJsonObject("status").getJsonArray("instances").stream()
        .map(o -> ((JsonObject) o).getLong("pid")).filter(p -> p != null).toList();
  }

  @Test
  void applyCreatesThenUpdatesAndRunsEveryReplica() {
    TestNode.Reply created = node.apply("sleepers", Manifests.workload("sleepers", 2, "sleep", "300"));
    assertThat(created.status()).isEqualTo(201);
    JsonObject status = created.json().getJsonObject("status");
    assertThat(status.getString("phase")).isEqualTo("Running");
    assertThat(status.getInteger("readyReplicas")).isEqualTo(2);
    assertThat(pids(created.json())).hasSize(2).allMatch(Processes::running);

    TestNode.Reply again = node.apply("sleepers", Manifests.workload("sleepers", 2, "sleep", "300"));
    assertThat(again.status()).as("re-applying the same spec is idempotent").isEqualTo(200);
    assertThat(pids(again.json())).isEqualTo(pids(created.json()));
    assertThat(again.json().getJsonObject("metadata").getLong("generation")).isEqualTo(1);

    TestNode.Reply yaml = node.put("/api/v1/workloads/sleepers", "application/yaml", """
        apiVersion: cairn/v1
        kind: Workload
        spec:
          replicas: 2
          command: ["sleep", "301"]
          stopGracePeriod: 2s
        """);
    assertThat(yaml.status()).isEqualTo(200);
    assertThat(yaml.json().getJsonObject("metadata").getLong("generation")).isEqualTo(2);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      JsonObject w = node.workload("sleepers");
      assertThat(w.getJsonObject("status").getString("phase")).isEqualTo("Running");
      assertThat(pids(w)).hasSize(2).doesNotContainAnyElementsOf(pids(created.json()));
    });
    pids(created.json()).forEach(pid -> await().atMost(Duration.ofSeconds(10)).until(() -> !Processes.running(pid)));
    node.delete("/api/v1/workloads/sleepers");
  }

  @Test
  void scaleUpAndDownStartsAndStopsInstances() {
    node.apply("scaled", Manifests.workload("scaled", 1, "sleep", "300"));
    TestNode.Reply up = node.post("/api/v1/workloads/scaled/scale", "application/json", "{\"replicas\":3}");
    assertThat(up.status()).isEqualTo(200);
    assertThat(up.json().getJsonObject("spec").getInteger("replicas")).isEqualTo(3);
    await().atMost(Duration.ofSeconds(10)).until(() -> pids(node.workload("scaled")).size() == 3);
    List<Long> three = pids(node.workload("scaled"));

    TestNode.Reply down = node.post("/api/v1/workloads/scaled/scale", "application/json", "{\"replicas\":1}");
    assertThat(down.status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonObject w = node.workload("scaled");
      assertThat(w.getJsonObject("status").getJsonArray("instances")).hasSize(1);
      assertThat(w.getJsonObject("status").getString("phase")).isEqualTo("Running");
    });
    assertThat(three.stream().filter(Processes::running)).hasSize(1);

    TestNode.Reply bad = node.post("/api/v1/workloads/scaled/scale", "application/json", "{\"replicas\":-2}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.code()).isEqualTo("INVALID_ARGUMENT");
    node.delete("/api/v1/workloads/scaled");
  }

  @Test
  void deleteTerminatesThenKillsAfterTheGracePeriodThenForgets() {
    // This process ignores SIGTERM, so only SIGKILL after stopGracePeriod (2s) ends it.
    // It says "ready" once the trap is set: a SIGTERM that came before would end it at once.
    JsonObject manifest = Manifests.workload("stubborn", 1, "sh", "-c",
        "trap '' TERM; echo ready; while true; do sleep 0.2; done");
    node.apply("stubborn", manifest);
    long pid = pids(node.workload("stubborn")).get(0);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> node.get("/api/v1/workloads/stubborn/logs?stream=stdout").body().contains("ready\n"));
    TestNode.Reply deleting = node.delete("/api/v1/workloads/stubborn");
    assertThat(deleting.status()).isEqualTo(202);
    assertThat(deleting.json().getJsonObject("status").getString("phase")).isEqualTo("Stopping");
    assertThat(Processes.running(pid)).as("still running during the grace period").isTrue();
    await().atMost(Duration.ofSeconds(15)).until(() -> node.get("/api/v1/workloads/stubborn").status() == 404);
    assertThat(Processes.running(pid)).isFalse();
    JsonArray events = node.get("/api/v1/events?workload=stubborn&type=WorkloadDeleted").json().getJsonArray("items");
    assertThat(events).hasSize(1);
  }

  @Test
  void listFiltersByLabelAndPhaseAndPages() {
    for (String name : List.of("list-a", "list-b", "list-c")) {
      JsonObject m = Manifests.workload(name, 1, "sleep", "300");
      m.getJsonObject("metadata").getJsonObject("labels").put("team", "x");
      node.apply(name, m);
    }
    JsonObject page1 = node.get("/api/v1/workloads?label=team=x&limit=2").json();
    assertThat(page1.getJsonArray("items")).hasSize(2);
    String token = page1.getString("nextPageToken");
    assertThat(token).isNotEmpty();
    JsonObject page2 = node.get("/api/v1/workloads?label=team=x&limit=2&pageToken=" + token).json();
    assertThat(page2.getJsonArray("items")).hasSize(1);
    assertThat(page2.getString("nextPageToken")).isEmpty();
    assertThat(node.get("/api/v1/workloads?label=app=list-b").json().getJsonArray("items")).hasSize(1);
    assertThat(node.get("/api/v1/workloads?label=team=x&phase=Failed").json().getJsonArray("items")).isEmpty();
    assertThat(node.get("/api/v1/workloads?label=team=x&phase=Running").json().getJsonArray("items")).hasSize(3);
    assertThat(node.get("/api/v1/workloads?phase=Sleepy").code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(node.get("/api/v1/workloads?pageToken=garbage").code()).isEqualTo("INVALID_ARGUMENT");
    List.of("list-a", "list-b", "list-c").forEach(n -> node.delete("/api/v1/workloads/" + n));
  }

  @Test
  void missingWorkloadIsNotFound() {
    assertThat(node.get("/api/v1/workloads/absent").code()).isEqualTo("NOT_FOUND");
    assertThat(node.delete("/api/v1/workloads/absent").status()).isEqualTo(404);
    assertThat(node.post("/api/v1/workloads/absent/scale", "application/json", "{\"replicas\":1}").status())
        .isEqualTo(404);
  }

  @Test
  void aStaleResourceVersionIsAConflictAndTheCurrentOneApplies() {
    node.apply("versioned", Manifests.workload("versioned", 0, "sleep", "1"));
    String version = node.workload("versioned").getJsonObject("metadata").getString("resourceVersion");
    assertThat(Long.parseLong(version)).isPositive();
    io.vertx.core.json.JsonObject changed = Manifests.workload("versioned", 0, "sleep", "2");
    TestNode.Reply current = node.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(node.url(
        "/api/v1/workloads/versioned"))).header("Content-Type", "application/json").header("If-Match", "\"" + version + "\"")
        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(changed.encode())));
    assertThat(current.status()).isEqualTo(200);
    String next = current.json().getJsonObject("metadata").getString("resourceVersion");
    assertThat(Long.parseLong(next)).isGreaterThan(Long.parseLong(version));

    changed.getJsonObject("metadata").put("resourceVersion", version); // what the first reader saw
    TestNode.Reply stale = node.apply("versioned", changed.put("spec", changed.getJsonObject("spec").put("replicas", 1)));
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.code()).isEqualTo("CONFLICT");
    assertThat(stale.json().getJsonObject("error").getString("message")).contains("resourceVersion " + next);
    assertThat(node.workload("versioned").getJsonObject("spec").getInteger("replicas")).as("nothing changed").isZero();

    changed.getJsonObject("metadata").put("resourceVersion", "v1");
    TestNode.Reply bad = node.apply("versioned", changed);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("metadata.resourceVersion");
    node.delete("/api/v1/workloads/versioned");
  }
}

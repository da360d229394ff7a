package io.cairn.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.Manifests;
import io.cairn.testing.Processes;
import io.cairn.testing.RedisServer;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry on a real node: workload instances are located as they start and forgotten as they
 * go, with the embedded back end and with a real redis-server that external programs (redis-cli)
 * read too; killing Redis leaves the node running and marks only the registry check DOWN, and the
 * node catches up once Redis is back (empty, as after a restart without persistence).
 */
@Timeout(120)
class LocationsNodeTest {
  @TempDir
  Path data;

  static List<String> instanceIds(TestNode node, String workload) {
    List<String> ids = new ArrayList<>();
    JsonArray instances = node.workload(workload).getJsonObject("status").getJsonArray("instances");
    for (int i = 0; i < instances.size(); i++) {
      ids.add(instances.getJsonObject(i).getString("id"));
    }
    return ids;
  }

  @Test
  void embeddedRegistryLocatesInstancesAndForgetsDeletedOnes() {
    try (TestNode node = TestNode.start(data)) {
      node.apply("where", Manifests.workload("where", 2, "sleep", "300"));
      await().atMost(Duration.ofSeconds(10)).until(() -> instanceIds(node, "where").size() == 2);
      List<String> ids = instanceIds(node, "where");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        for (String id : ids) {
          TestNode.Reply r = node.get("/api/v1/locations/" + id);
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.json().getString("node")).isEqualTo(node.nodeId());
        }
        JsonObject members = node.get("/api/v1/hosts/" + node.nodeId() + "/members").json();
        assertThat(members.getJsonArray("members").getList()).containsAll(ids);
        assertThat(members.getInteger("count")).isEqualTo(2);
        assertThat(node.get("/api/v1/hosts").json().getJsonArray("items").getJsonObject(0).getLong("members"))
            .isEqualTo(2L);
      });

      TestNode.Reply missing = node.get("/api/v1/locations/no-such-thing");
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.code()).isEqualTo("NOT_FOUND");
      TestNode.Reply bad = node.get("/api/v1/locations/" + "x".repeat(300));
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.json().getJsonObject("error").getJsonArray("details").getJsonObject(0).getString("field"))
          .isEqualTo("id");

      node.delete("/api/v1/workloads/where");
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        for (String id : ids) {
          assertThat(node.get("/api/v1/locations/" + id).status()).isEqualTo(404);
        }
        assertThat(node.get("/api/v1/hosts/" + node.nodeId() + "/members").json().getInteger("count")).isZero();
      });
    }
  }

  @Test
  void redisOutageLeavesTheNodeRunningAndItCatchesUpWhenRedisReturns() throws Exception {
    try (RedisServer redis = new RedisServer();
        TestNode node = TestNode.start(data, Map.of("registry.backend", "redis", "registry.redis.url", redis.url(),
            "registry.redis.timeout", "300ms", "registry.ttl", "5s", "registry.heartbeatInterval", "500ms"))) {
      node.apply("steady", Manifests.workload("steady", 2, "sleep", "300"));
      await().atMost(Duration.ofSeconds(10)).until(() -> instanceIds(node, "steady").size() == 2);
      List<String> steady = instanceIds(node, "steady");
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        for (String id : steady) {
          // what a program that is not Cairn sees
          assertThat(redisCli(redis, "GET", "cairn:loc:" + id)).isEqualTo(node.nodeId());
        }
        assertThat(redisCli(redis, "ZSCORE", "cairn:load", node.nodeId())).isEqualTo("2");
      });
      assertThat(node.get("/health/ready").json().getJsonObject("checks")
          .getJsonObject("registry").getString("status")).isEqualTo("UP");

      redis.kill();
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        TestNode.Reply ready = node.get("/health/ready");
        assertThat(ready.status()).as("the node stays ready: %s", ready.body()).isEqualTo(200);
        JsonObject check = ready.json().getJsonObject("checks").getJsonObject("registry");
        assertThat(check.getString("status")).isEqualTo("DOWN");
        assertThat(check.getJsonObject("data").getString("error")).isNotBlank();
        assertThat(check.getJsonObject("data").getJsonObject("breakers").getString("redis:127.0.0.1:" + redis.port()))
            .isEqualTo("open");
        assertThat(ready.json().getJsonArray("degraded").getList()).containsExactly("registry");
      });
      assertThat(node.get("/health/live").status()).isEqualTo(200);
      TestNode.Reply where = node.get("/api/v1/locations/" + steady.get(0));
      assertThat(where.status()).isEqualTo(503);
      assertThat(where.code()).isEqualTo("UNAVAILABLE");
      assertThat(node.get("/metrics").body()).contains("cairn_breaker_state{target=\"redis:127.0.0.1:" + redis.port()
          + "\"} 2.0");

      // workloads keep running and new ones start while the registry is away
      node.apply("late", Manifests.workload("late", 1, "sleep", "300"));
      await().atMost(Duration.ofSeconds(10)).until(() -> "Running".equals(
          node.workload("late").getJsonObject("status").getString("phase")));
      String late = instanceIds(node, "late").get(0);
      for (JsonObject inst : instancesOf(node, "steady")) {
        assertThat(Processes.running(inst.getLong("pid"))).isTrue();
      }

      redis.start(); // empty: everything this node runs must be registered again
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        for (String id : List.of(steady.get(0), steady.get(1), late)) {
          assertThat(redisCli(redis, "GET", "cairn:loc:" + id)).isEqualTo(node.nodeId());
        }
        assertThat(redisCli(redis, "SCARD", "cairn:host:" + node.nodeId())).isEqualTo("3");
        JsonObject check = node.get("/health/ready").json().getJsonObject("checks").getJsonObject("registry");
        assertThat(check.getString("status")).isEqualTo("UP");
        assertThat(check.getJsonObject("data").getJsonObject("breakers").getString("redis:127.0.0.1:" + redis.port()))
            .isEqualTo("closed");
      });
      assertThat(node.get("/api/v1/locations/" + late).json().getString("node")).isEqualTo(node.nodeId());
      String ttl = redisCli(redis, "PTTL", "cairn:loc:" + late);
      assertThat(Long.parseLong(ttl)).as("locations carry the TTL").isBetween(1L, 5000L);
    }
  }

  private static List<JsonObject> instancesOf(TestNode node, String workload) {
    JsonArray a = node.workload(workload).getJsonObject("status").getJsonArray("instances");
    List<JsonObject> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      out.add(a.getJsonObject(i));
    }
    return out;
  }

  static String redisCli(RedisServer redis, String... command) throws Exception {
    List<String> argv = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(redis.port()), "--raw"));
    argv.addAll(List.of(command));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor();
    return out;
  }
}

package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.ClusterNodes;
import io.cairn.testing.Manifests;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One answer from every node: conditional writes are judged against the committed order, not a
 * lagging view; a read can wait for a resource version; every read says what it is worth; a
 * write is answered within cluster.writeTimeout with what is true of it, and writes through a node
 * come back by themselves after the cluster lost its quorum.
 */
@Timeout(400)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterConsistencyTest {
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(4);
  @TempDir
  static Path root;
  static ClusterNodes cluster;

  @BeforeAll
  static void form() throws Exception {
    cluster = ClusterNodes.start(root, 3, 0, Map.of("cluster.writeTimeout", "4s"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A workload with no instances whose label {@code v} is the value a test writes. */
  static String labelled(String name, String value, Long resourceVersion) {
    JsonObject manifest = Manifests.workload(name, 0, "sleep", "1");
    JsonObject metadata = manifest.getJsonObject("metadata", new JsonObject());
    metadata.put("labels", new JsonObject().put("v", value));
    if (resourceVersion != null) {
      metadata.put("resourceVersion", Long.toString(resourceVersion));
    }
    manifest.put("metadata", metadata);
    return manifest.encode();
  }

  static long version(TestNode.Reply reply) {
    return Long.parseLong(reply.json().getJsonObject("metadata").getString("resourceVersion"));
  }

  static String label(TestNode.Reply reply) {
    return reply.json().getJsonObject("metadata").getJsonObject("labels").getString("v");
  }

  @Test
  @Order(1)
  void conditionalUpdatesChainedThroughEveryNodeInTurnAreNeverRefused() {
    List<ClusterNodes.Member> nodes = cluster.members();
    TestNode.Reply created = nodes.get(0).put("/api/v1/workloads/chain", labelled("chain", "0", null));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    long version = version(created);
    long previous = 0;
    List<String> refused = new ArrayList<>();
    for (int i = 1; i <= 150; i++) {
      ClusterNodes.Member node = nodes.get(i % 3);
      TestNode.Reply r = node.put("/api/v1/workloads/chain", labelled("chain", Integer.toString(i), version));
      if (r.status() != 200) {
        refused.add("update " + i + " via node " + node.index() + ": " + r.status() + " " + r.body());
        continue;
      }
      assertThat(version(r)).as("a resource version only grows").isGreaterThan(version);
      previous = version;
      version = version(r);
    }
    assertThat(refused).as("conditional updates from the version just written are judged on the committed order")
        .isEmpty();
    // a stale version is still refused on every node, and the 409 names the current one, newer than the
    // client's; so does one that never was a version of this workload
    for (ClusterNodes.Member node : nodes) {
      for (long given : new long[] {previous, version - 1}) {
        TestNode.Reply stale = node.put("/api/v1/workloads/chain", labelled("chain", "stale", given));
        assertThat(stale.status()).as(stale.body()).isEqualTo(409);
        assertThat(stale.body()).contains("at resourceVersion " + version);
      }
    }
  }

  @Test
  @Order(2)
  void aReadNamingAResourceVersionIsServedOnlyOnceTheNodeAppliedIt() throws Exception {
    ClusterNodes.Member leader = cluster.leader();
    ClusterNodes.Member lagging = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    TestNode.Reply first = leader.put("/api/v1/workloads/ryw", labelled("ryw", "old", null));
    assertThat(first.status()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(10)).until(() -> lagging.get("/api/v1/workloads/ryw").status() == 200);

    lagging.pause(); // it misses the next write for now
    TestNode.Reply written;
    CompletableFuture<TestNode.Reply> read;
    try {
      written = leader.put("/api/v1/workloads/ryw", labelled("ryw", "new", version(first)));
      assertThat(written.status()).as(written.body()).isEqualTo(200);
      long at = version(written);
      read = CompletableFuture.supplyAsync(() -> lagging.get("/api/v1/workloads/ryw?resourceVersion=" + at));
      Thread.sleep(500); // the request waits in the frozen node's socket
    } finally {
      lagging.resume();
    }
    TestNode.Reply r = read.get();
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(label(r)).as("not older than the version named").isEqualTo("new");
    assertThat(version(r)).isEqualTo(version(written));

    TestNode.Reply ahead = lagging.get("/api/v1/workloads/ryw?resourceVersion=" + (version(written) + 1_000_000));
    assertThat(ahead.status()).isEqualTo(504);
    assertThat(ahead.code()).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(ahead.body()).contains("applied the log up to index");

    TestNode.Reply invalid = lagging.get("/api/v1/workloads/ryw?resourceVersion=soon");
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.json().getJsonObject("error").getJsonArray("details").getJsonObject(0).getString("field"))
        .isEqualTo("resourceVersion");
  }

  @Test
  @Order(3)
  void everyReadSaysWhatItIsWorthAndANodeCutOffConfirmsEvenAnUnchangedWrite() throws Exception {
    ClusterNodes.Member leader = cluster.leader();
    List<ClusterNodes.Member> followers = cluster.members().stream().filter(m -> m != leader).toList();
    TestNode.Reply atLeader = leader.get("/api/v1/workloads");
    assertThat(atLeader.headers().firstValue("X-Cairn-Known-Leader")).hasValue("true");
    assertThat(atLeader.headers().firstValue("X-Cairn-Last-Contact")).isPresent();
    TestNode.Reply atFollower = followers.get(0).get("/api/v1/workloads");
    assertThat(atFollower.headers().firstValue("X-Cairn-Known-Leader")).hasValue("true");
    assertThat(Long.parseLong(atFollower.headers().firstValue("X-Cairn-Last-Contact").orElseThrow()))
        .as("a follower hears from its leader every heartbeat").isBetween(0L, 1500L);

    ClusterNodes.Member cutOff = followers.get(0);
    TestNode.Reply created = leader.put("/api/v1/workloads/same", labelled("same", "x", null));
    assertThat(created.status()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(10)).until(() -> cutOff.get("/api/v1/workloads/same").status() == 200);
    leader.pause();
    followers.get(1).pause();
    try {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        TestNode.Reply stale = cutOff.get("/api/v1/workloads/same");
        assertThat(stale.status()).isEqualTo(200);
        assertThat(stale.headers().firstValue("X-Cairn-Known-Leader")).hasValue("false");
        assertThat(Long.parseLong(stale.headers().firstValue("X-Cairn-Last-Contact").orElse("0")))
            .satisfiesAnyOf(ms -> assertThat(ms).isGreaterThanOrEqualTo(2000L), ms -> assertThat(ms).isEqualTo(-1L));
      });
      long started = System.nanoTime();
      TestNode.Reply unchanged = cutOff.put("/api/v1/workloads/same", labelled("same", "x", null));
      long tookMillis = (System.nanoTime() - started) / 1_000_000;
      assertThat(unchanged.status()).as("an unchanged spec is confirmed against the committed state: "
          + unchanged.body()).isIn(503, 504);
      assertThat(tookMillis).as("answered within the write timeout").isLessThan(WRITE_TIMEOUT.toMillis() + 2_000);
    } finally {
      leader.resume();
      followers.get(1).resume();
    }
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      TestNode.Reply r = cutOff.put("/api/v1/workloads/same", labelled("same", "x", null));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
    });
  }

  @Test
  @Order(4)
  void writesThroughTheMajorityAreAnsweredWithinTheTimeoutWhileTheLeaderIsCutOffAndAfterItReturns()
      throws Exception {
    ClusterNodes.Member leader = cluster.leader();
    ClusterNodes.Member follower = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    List<Long> during = new ArrayList<>();
    List<Long> after = new ArrayList<>();
    leader.pause();
    try {
      long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
      int n = 0;
      boolean committed = false;
      while (System.nanoTime() < until) {
        String name = "cut-" + n++;
        long started = System.nanoTime();
        TestNode.Reply r = follower.put("/api/v1/workloads/" + name, labelled(name, "x", null));
        during.add((System.nanoTime() - started) / 1_000_000);
        assertThat(r.status()).as(r.body()).isIn(201, 503, 504);
        committed |= r.status() == 201;
      }
      assertThat(committed).as("the majority elects a leader and commits").isTrue();
    } finally {
      leader.resume(); // the partition heals: the old leader learns of the new term
    }
    for (int i = 0; i < 20; i++) {
      String name = "healed-" + i;
      long started = System.nanoTime();
      TestNode.Reply r = follower.put("/api/v1/workloads/" + name, labelled(name, "x", null));
      after.add((System.nanoTime() - started) / 1_000_000);
      assertThat(r.status()).as(r.body()).isIn(201, 503, 504);
    }
    System.out.printf("leader cut off: %d writes through a follower, slowest %d ms; after it returned: slowest %d ms%n",
        during.size(), java.util.Collections.max(during), java.util.Collections.max(after));
    assertThat(during).allSatisfy(ms -> assertThat(ms).isLessThan(WRITE_TIMEOUT.toMillis() + 1_500));
    assertThat(after).allSatisfy(ms -> assertThat(ms).isLessThan(WRITE_TIMEOUT.toMillis() + 1_500));
  }

  @Test
  @Order(5)
  void writesThroughANodeComeBackByThemselvesAfterTheClusterLostItsQuorumLongerThanTheWriteTimeout()
      throws Exception {
    ClusterNodes.Member leader = cluster.leader();
    ClusterNodes.Member survivor = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    List<ClusterNodes.Member> gone = cluster.members().stream().filter(m -> m != survivor).toList();
    for (ClusterNodes.Member m : gone) {
      m.kill();
    }
    // writes while there is no quorum: each answered within the timeout, with what is true of it
    Map<String, Integer> outcomes = new LinkedHashMap<>();
    long outageEnds = System.nanoTime() + Duration.ofSeconds(9).toNanos();
    int n = 0;
    while (System.nanoTime() < outageEnds) {
      String name = "outage-" + n++;
      long started = System.nanoTime();
      TestNode.Reply r = survivor.put("/api/v1/workloads/" + name, labelled(name, "x", null));
      long tookMillis = (System.nanoTime() - started) / 1_000_000;
      assertThat(r.status()).as(r.body()).isIn(503, 504);
      assertThat(r.code()).isEqualTo(r.status() == 503 ? "UNAVAILABLE" : "DEADLINE_EXCEEDED");
      assertThat(tookMillis).as("answered within the write timeout").isLessThan(WRITE_TIMEOUT.toMillis() + 1_500);
      outcomes.put(name, r.status());
    }
    for (ClusterNodes.Member m : gone) {
      m.start();
    }
    cluster.awaitAllReady(Duration.ofSeconds(90));
    for (ClusterNodes.Member m : cluster.members()) {
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
        TestNode.Reply r = m.put("/api/v1/workloads/after-" + m.index(), labelled("after-" + m.index(), "x", null));
        assertThat(r.status()).as("node " + m.index() + ": " + r.body()).isIn(200, 201);
      });
    }
    // a write answered 503 was certainly not committed: it never shows up later
    for (Map.Entry<String, Integer> o : outcomes.entrySet()) {
      if (o.getValue() == 503) {
        TestNode.Reply r = survivor.get("/api/v1/workloads/" + o.getKey() + "?consistent=true");
        assertThat(r.status()).as(o.getKey() + " was answered 503: " + r.body()).isEqualTo(404);
      }
    }
    System.out.printf("writes during the outage: %d answered 503, %d answered 504%n",
        outcomes.values().stream().filter(s -> s == 503).count(), outcomes.values().stream().filter(s -> s == 504).count());
  }
}

package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.cluster.peer.v1.HelloRequest;
import io.cairn.cluster.peer.v1.PeerGrpcClient;
import io.cairn.testing.ClusterNodes;
import io.cairn.testing.Manifests;
import io.cairn.testing.Processes;
import io.cairn.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workloads on a 3-server cluster of separate JVMs: written anywhere, read everywhere, each
 * instance placed on one node and run only there; a killed node is seen Down by all and catches
 * up when it returns; without a quorum writes fail fast with 503 while reads go on.
 */
@Timeout(400)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterWorkloadsTest {
  @TempDir
  static Path root;
  static ClusterNodes cluster;

  @BeforeAll
  static void form() throws Exception {
    cluster = ClusterNodes.start(root, 3, 0, Map.of("cluster.writeTimeout", "3s", "reconcile.interval", "1s"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static JsonObject workload(ClusterNodes.Member m, String name) {
    return m.get("/api/v1/workloads/" + name).json();
  }

  static String breakerOf(ClusterNodes.Member asked, String peer) {
    return asked.get("/api/v1/cluster/peers").json().getJsonArray("items").stream().map(o -> (JsonObject) o)
        .filter(p -> p.getString("id").equals(peer)).map(p -> p.getString("breaker")).findFirst().orElse(null);
  }

  static String sleeper(String name) {
    return Manifests.workload(name, 3, "sleep", "300").encode();
  }

  @Test
  @Order(1)
  void aWorkloadAppliedOnOneNodeRunsOneInstancePerNodeAndIsReadEverywhere() {
    assertThat(cluster.node(0).put("/api/v1/workloads/web", sleeper("web")).status()).isIn(200, 201);
    for (ClusterNodes.Member m : cluster.members()) {
      assertThat(m.get("/api/v1/workloads/web?consistent=true").status())
          .as("a linearizable read anywhere sees the acknowledged write at once").isEqualTo(200);
    }
    for (ClusterNodes.Member m : cluster.members()) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        JsonObject w = workload(m, "web");
        assertThat(w.getJsonObject("status").getString("phase")).isEqualTo("Running");
        List<JsonObject> instances = w.getJsonObject("status").getJsonArray("instances").stream().map(o -> (JsonObject) o).toList();
        assertThat(instances).hasSize(3);
        assertThat(instances.stream().map(i -> i.getString("node")).collect(Collectors.toSet()))
            .as("one instance per node").hasSize(3);
      });
    }
    List<JsonObject> instances = workload(cluster.node(1), "web").getJsonObject("status").getJsonArray("instances").stream()
        .map(o -> (JsonObject) o).toList();
    for (JsonObject i : instances) {
      assertThat(Processes.countWithInstanceId(i.getString("id"))).as("exactly one process for " + i.getString("id"))
          .isEqualTo(1);
    }
    for (JsonObject i : instances) { // the embedded registry of any node locates every instance
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cluster.node(2)
          .get("/api/v1/locations/" + i.getString("id")).json().getString("node")).isEqualTo(i.getString("node")));
    }
  }

  @Test
  @Order(2)
  void logsOfAnInstanceOnAnotherNodeAreReadAndFollowedThroughThisOne() throws Exception {
    String talk = "i=0; while true; do echo \"line $i from $CAIRN_INSTANCE_ID\"; i=$((i+1)); sleep 0.1; done";
    assertThat(cluster.node(1).put("/api/v1/workloads/talker", Manifests.workload("talker", 3, "sh", "-c", talk)
        .encode()).status()).isEqualTo(201);
    ClusterNodes.Member asked = cluster.node(0);
    await().atMost(Duration.ofSeconds(30)).until(() -> "Running".equals(workload(asked, "talker")
        .getJsonObject("status").getString("phase")));
    JsonObject remote = workload(asked, "talker").getJsonObject("status").getJsonArray("instances").stream()
        .map(o -> (JsonObject) o).filter(i -> !i.getString("node").equals(asked.nodeId())).findFirst().orElseThrow();
    String id = remote.getString("id");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
        asked.get("/api/v1/workloads/talker/logs?instance=" + id + "&tail=5").body()).contains("from " + id));
    java.net.http.HttpResponse<java.util.stream.Stream<String>> follow = TestNode.http().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(asked.base() + "/api/v1/workloads/talker/logs?instance="
            + id + "&tail=1&follow=true")).build(), java.net.http.HttpResponse.BodyHandlers.ofLines());
    assertThat(follow.statusCode()).isEqualTo(200);
    List<String> lines = java.util.concurrent.CompletableFuture.supplyAsync(() -> follow.body().limit(20).toList())
        .get(30, TimeUnit.SECONDS);
    follow.body().close();
    assertThat(lines).hasSize(20).allMatch(l -> l.contains("from " + id));
    List<Integer> numbers = lines.stream().map(l -> Integer.parseInt(l.replaceAll(".*line (\\d+) from.*", "$1"))).toList();
    assertThat(numbers).as("in order, none lost on the way").isSorted();
    assertThat(numbers.get(19) - numbers.get(0)).isEqualTo(19);
    assertThat(cluster.node(1).delete("/api/v1/workloads/talker").status()).isIn(200, 202);
  }

  @Test
  @Order(2)
  void aPinnedWorkloadRunsOnlyOnItsNode() {
    String target = cluster.node(2).nodeId();
    JsonObject pinned = Manifests.workload("pinned", 2, "sleep", "300");
    pinned.getJsonObject("spec").put("placement", new JsonObject().put("node", target));
    assertThat(cluster.node(0).put("/api/v1/workloads/pinned", pinned.encode()).status()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonObject w = workload(cluster.node(1), "pinned");
      assertThat(w.getJsonObject("status").getString("phase")).isEqualTo("Running");
      assertThat(w.getJsonObject("status").getJsonArray("instances").stream()
          .map(o -> ((JsonObject) o).getString("node")).distinct().toList()).containsExactly(target);
    });
    pinned.getJsonObject("spec").put("placement", new JsonObject().put("node", "Not A Node"));
    TestNode.Reply bad = cluster.node(0).put("/api/v1/workloads/pinned", pinned.encode());
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("spec.placement.node");
    assertThat(cluster.node(0).delete("/api/v1/workloads/pinned").status()).isIn(200, 202);
  }

  @Test
  @Order(2)
  void placementsAreClusterEventsOnEveryNode() {
    for (ClusterNodes.Member m : cluster.members()) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
          m.get("/api/v1/events?type=InstancePlaced&workload=web").json().getJsonArray("items")).hasSize(3));
    }
  }

  @Test
  @Order(2)
  void aDeleteOnAnotherNodeRemovesItEverywhere() {
    List<String> ids = workload(cluster.node(0), "web").getJsonObject("status").getJsonArray("instances").stream()
        .map(o -> ((JsonObject) o).getString("id")).toList();
    assertThat(cluster.node(2).delete("/api/v1/workloads/web").status()).isIn(200, 202);
    for (ClusterNodes.Member m : cluster.members()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> m.get("/api/v1/workloads/web").status() == 404);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        ids.forEach(id -> assertThat(Processes.countWithInstanceId(id)).isZero()));
  }

  @Test
  @Order(2)
  void aTaskSubmittedToOneNodeIsReadFollowedAndCancelledThroughAnother() throws Exception {
    ClusterNodes.Member submittedTo = cluster.node(0);
    ClusterNodes.Member asked = cluster.node(1);
    String script = "for i in 1 2 3 4 5; do echo \"tick $i\"; sleep 0.3; done";
    TestNode.Reply submitted = submittedTo.send("POST", "/api/v1/tasks", new JsonObject()
        .put("command", new io.vertx.core.json.JsonArray(List.of("sh", "-c", script))).encode());
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String id = submitted.json().getString("id");
    TestNode.Reply read = asked.get("/api/v1/tasks/" + id);
    assertThat(read.status()).as(read.body()).isEqualTo(200);
    assertThat(read.json().getString("id")).isEqualTo(id);
    // and over gRPC (TaskService.Get on the other node)
    Vertx grpcVertx = Vertx.vertx();
    try {
      var address = SocketAddress.inetSocketAddress(
          Integer.parseInt(asked.base().substring(asked.base().lastIndexOf(':') + 1)), "127.0.0.1");
      io.cairn.grpc.v1.Task viaGrpc = GrpcClient.client(grpcVertx)
          .request(address, io.cairn.grpc.v1.TaskServiceGrpcClient.Get)
          .compose(req -> req.end(io.cairn.grpc.v1.GetTaskRequest.newBuilder().setId(id).build())
              .compose(v -> req.response()))
          .compose(resp -> resp.last()).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(viaGrpc.getId()).isEqualTo(id);
    } finally {
      grpcVertx.close();
    }

    // followed through the other node: every line in order, then the end with the final state
    java.net.http.HttpResponse<java.util.stream.Stream<String>> follow = TestNode.http().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(asked.base() + "/api/v1/tasks/" + id
            + "/output?follow=true")).build(), java.net.http.HttpResponse.BodyHandlers.ofLines());
    assertThat(follow.statusCode()).isEqualTo(200);
    List<JsonObject> lines = java.util.concurrent.CompletableFuture.supplyAsync(() -> follow.body()
        .map(JsonObject::new).toList()).get(30, TimeUnit.SECONDS);
    String text = lines.stream().filter(l -> l.containsKey("data")).map(l -> l.getString("data"))
        .collect(Collectors.joining());
    assertThat(text).isEqualTo("tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n");
    JsonObject end = lines.get(lines.size() - 1);
    assertThat(end.getBoolean("end")).isTrue();
    assertThat(end.getJsonObject("task").getString("state")).isEqualTo("Succeeded");

    // cancelled through a third node
    TestNode.Reply sleeper = submittedTo.send("POST", "/api/v1/tasks", new JsonObject()
        .put("command", new io.vertx.core.json.JsonArray(List.of("sleep", "300"))).encode());
    String sleeperId = sleeper.json().getString("id");
    TestNode.Reply cancelled = cluster.node(2).send("POST", "/api/v1/tasks/" + sleeperId + "/cancel", "{}");
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(20)).until(() ->
        "Cancelled".equals(submittedTo.get("/api/v1/tasks/" + sleeperId).json().getString("state")));
    TestNode.Reply unknown = asked.get("/api/v1/tasks/tnosuchtask");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("NOT_FOUND");
  }

  @Test
  @Order(3)
  void readModifyWriteFromEveryNodeLosesNoUpdate() throws Exception {
    JsonObject manifest = Manifests.workload("counter", 0, "sleep", "1");
    manifest.getJsonObject("metadata").getJsonObject("labels").put("count", "0");
    assertThat(cluster.node(0).put("/api/v1/workloads/counter", manifest.encode()).status()).isEqualTo(201);
    for (ClusterNodes.Member m : cluster.members()) { // reads are local: wait until each node applied it
      await().atMost(Duration.ofSeconds(10)).until(() -> m.get("/api/v1/workloads/counter").status() == 200);
    }
    int perClient = 6;
    List<Throwable> failures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger successes = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger conflicts = new java.util.concurrent.atomic.AtomicInteger();
    List<Thread> clients = new java.util.ArrayList<>();
    for (ClusterNodes.Member m : cluster.members()) {
      clients.add(Thread.ofPlatform().uncaughtExceptionHandler((t, e) -> failures.add(e)).start(() -> {
        for (int done = 0; done < perClient; ) {
          JsonObject current = m.get("/api/v1/workloads/counter").json();
          JsonObject metadata = current.getJsonObject("metadata");
          int count = Integer.parseInt(metadata.getJsonObject("labels").getString("count"));
          JsonObject next = Manifests.workload("counter", 0, "sleep", "1");
          next.getJsonObject("metadata").put("resourceVersion", metadata.getString("resourceVersion"))
              .getJsonObject("labels").put("count", Integer.toString(count + 1));
          TestNode.Reply put = m.put("/api/v1/workloads/counter", next.encode());
          if (put.status() == 200) {
            successes.incrementAndGet();
            done++;
          } else {
            assertThat(put.status()).as(put.body()).isEqualTo(409);
            conflicts.incrementAndGet();
          }
        }
      }));
    }
    for (Thread t : clients) {
      t.join(120_000);
    }
    assertThat(failures).isEmpty();
    assertThat(successes.get()).isEqualTo(3 * perClient);
    for (ClusterNodes.Member m : cluster.members()) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(m.get("/api/v1/workloads/counter").json()
          .getJsonObject("metadata").getJsonObject("labels").getString("count"))
          .isEqualTo(Integer.toString(successes.get())));
    }
    System.out.printf("lost-update check: %d successful PUTs, %d conflicts retried%n", successes.get(), conflicts.get());
    assertThat(cluster.node(1).delete("/api/v1/workloads/counter").status()).isIn(200, 202);
  }

  @Test
  @Order(4)
  void aPeerCallWithoutTheSecretIsRefused() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      GrpcClient client = GrpcClient.client(vertx);
      SocketAddress peer = SocketAddress.inetSocketAddress(
          Integer.parseInt(cluster.node(0).clusterAddress().split(":")[1]), "127.0.0.1");
      for (String secret : new String[] {null, "wrong-secret-wrong-secret"}) {
        GrpcStatus status = client.request(peer, PeerGrpcClient.Hello).compose(req -> {
          if (secret != null) {
            req.headers().set("cairn-cluster-secret", secret);
          }
          return req.end(HelloRequest.getDefaultInstance()).compose(v -> req.response()).map(r -> r.status());
        }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(status).isEqualTo(GrpcStatus.UNAUTHENTICATED);
      }
      assertThat(cluster.node(0).log()).contains("refused a peer call without the cluster secret");
    } finally {
      vertx.close();
    }
  }

  @Test
  @Order(5)
  void aKilledFollowerIsDownEverywhereWritesGoOnAndItCatchesUpWhenBack() throws Exception {
    ClusterNodes.Member leader = cluster.leader();
    ClusterNodes.Member follower = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    String followerId = follower.nodeId();
    follower.kill();
    long killedAt = System.nanoTime();
    for (ClusterNodes.Member m : cluster.members()) {
      if (m != follower) {
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() ->
            "Down".equals(m.get("/api/v1/nodes/" + followerId).json().getString("state")));
      }
    }
    System.out.printf("node Down everywhere %d ms after kill -9%n", (System.nanoTime() - killedAt) / 1_000_000);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(breakerOf(leader, followerId))
        .as("calls to a dead peer fail fast").isEqualTo("open"));
    for (ClusterNodes.Member m : cluster.members()) { // a cluster event, recorded by every node from the log
      if (m != follower) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(m.get("/api/v1/events?type=NodeDown")
            .body()).contains(followerId, "no heartbeat"));
      }
    }
    assertThat(leader.put("/api/v1/workloads/while-down", Manifests.workload("while-down", 1, "sleep", "300")
        .encode()).status()).isIn(200, 201);
    follower.start();
    await().atMost(Duration.ofSeconds(60)).until(follower::ready);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(follower.get("/api/v1/workloads/while-down").status()).isEqualTo(200);
      assertThat(leader.get("/api/v1/nodes/" + followerId).json().getString("state")).isEqualTo("Ready");
      assertThat(breakerOf(leader, followerId)).as("closed again once it answers").isEqualTo("closed");
      List<String> digests = cluster.members().stream().map(m -> m.get("/api/v1/cluster/digest").json())
          .map(d -> d.getLong("appliedIndex") + "/" + d.getString("digest")).distinct().toList();
      assertThat(digests).hasSize(1);
    });
    assertThat(leader.delete("/api/v1/workloads/while-down").status()).isIn(200, 202);
  }

  @Test
  @Order(6)
  void withoutAQuorumWritesFailFastAndReadsAreServed() throws Exception {
    ClusterNodes.Member survivor = cluster.node(0);
    cluster.node(1).kill();
    cluster.node(2).kill();
    long started = System.nanoTime();
    TestNode.Reply write = survivor.put("/api/v1/workloads/no-quorum", Manifests.workload("no-quorum", 1, "sleep", "1")
        .encode());
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    // 503 when it certainly was not committed; 504 when the survivor led and holds it in its log,
    // where it may still commit once the others return
    assertThat(write.status()).as(write.body()).isIn(503, 504);
    assertThat(write.code()).isEqualTo(write.status() == 503 ? "UNAVAILABLE" : "DEADLINE_EXCEEDED");
    assertThat(write.json().getJsonObject("error").getString("message"))
        .contains(write.status() == 503 ? "no quorum" : "may still be applied");
    assertThat(tookMs).as("bounded by cluster.writeTimeout (3s) plus the request's own work").isLessThan(8_000);
    assertThat(survivor.get("/api/v1/nodes").status()).isEqualTo(200);
    assertThat(survivor.get("/api/v1/workloads").status()).isEqualTo(200);
    TestNode.Reply consistent = survivor.get("/api/v1/workloads?consistent=true");
    assertThat(consistent.status()).as("a linearizable read needs the leader").isEqualTo(503);
    assertThat(consistent.code()).isEqualTo("UNAVAILABLE");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      JsonObject ready = survivor.get("/health/ready").json();
      assertThat(ready.getString("status")).isEqualTo("UP");
      assertThat(ready.getJsonArray("degraded").getList()).contains("quorum");
    });
  }
}

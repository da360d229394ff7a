package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cairn.testing.ClusterNodes;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens on a 3-server cluster with auth on are the cluster's, not a node's: bootstrap is answered
 * once (even asked of every node at once), and a token created, revoked or expired through any
 * node is accepted or refused on every node within a second.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTokensTest {
  static final Duration WITHIN = Duration.ofSeconds(1);
  @TempDir
  static Path root;
  static ClusterNodes cluster;
  static String admin;

  @BeforeAll
  static void form() throws Exception {
    cluster = ClusterNodes.start(root, 3, 0, Map.of("auth.enabled", "true"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static TestNode.Reply as(ClusterNodes.Member m, String token, String method, String path, String json) {
    return m.send(method, path, json, token == null ? Map.of() : Map.of("Authorization", "Bearer " + token));
  }

  static int statusWith(ClusterNodes.Member m, String token) {
    return as(m, token, "GET", "/api/v1/workloads", null).status();
  }

  /** Milliseconds from {@code since} until {@code m} answers {@code status} for a read with {@code token}; fails past {@link #WITHIN}. */
  static long millisUntil(ClusterNodes.Member m, String token, int status, long since) throws InterruptedException {
    long deadline = since + WITHIN.toNanos();
    while (statusWith(m, token) != status) {
      if (System.nanoTime() > deadline) {
        fail("node " + m.index() + " did not answer " + status + " within " + WITHIN.toMillis() + " ms");
      }
      Thread.sleep(5);
    }
    return (System.nanoTime() - since) / 1_000_000;
  }

  static String create(ClusterNodes.Member through, String role, String name, String ttl) {
    JsonObject body = new JsonObject().put("role", role).put("name", name);
    if (ttl != null) {
      body.put("ttl", ttl);
    }
    TestNode.Reply r = as(through, admin, "POST", "/api/v1/acl/tokens", body.encode());
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("secret");
  }

  @Test
  @Order(1)
  void bootstrapAskedOfEveryNodeAtOnceIsAnsweredOnceAndThenRefusedEverywhere() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<TestNode.Reply>> asked = cluster.members().stream().map(m -> CompletableFuture.supplyAsync(() -> {
      try {
        go.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return as(m, null, "POST", "/api/v1/acl/bootstrap", "{}");
    })).toList();
    go.countDown();
    List<TestNode.Reply> replies = asked.stream().map(CompletableFuture::join).toList();
    assertThat(replies.stream().map(TestNode.Reply::status).toList()).as(replies.toString())
        .containsExactlyInAnyOrder(201, 409, 409);
    replies.stream().filter(r -> r.status() == 409).forEach(r -> assertThat(r.code()).isEqualTo("CONFLICT"));
    admin = replies.stream().filter(r -> r.status() == 201).findFirst().orElseThrow().json().getString("secret");

    for (ClusterNodes.Member m : cluster.members()) {
      TestNode.Reply again = as(m, null, "POST", "/api/v1/acl/bootstrap", "{}");
      assertThat(again.status()).as("node " + m.index()).isEqualTo(409);
      assertThat(again.code()).isEqualTo("CONFLICT");
      millisUntil(m, admin, 200, System.nanoTime());
    }
  }

  @Test
  @Order(2)
  void aTokenCreatedOnOneNodeIsAcceptedOnTheOthersWithinASecond() throws Exception {
    String reader = create(cluster.node(0), "reader", "dashboards", null);
    long created = System.nanoTime();
    assertThat(statusWith(cluster.node(0), reader)).as("at once on the node that created it").isEqualTo(200);
    long onB = millisUntil(cluster.node(1), reader, 200, created);
    long onC = millisUntil(cluster.node(2), reader, 200, created);
    System.out.printf("created on A: accepted on B after %d ms, on C after %d ms%n", onB, onC);
  }

  @Test
  @Order(3)
  void aTokenRevokedOnOneNodeIsRefusedOnTheOthersWithinASecond() throws Exception {
    String operator = create(cluster.node(0), "operator", "ci", null);
    String id = operator.substring(0, operator.indexOf('.'));
    for (ClusterNodes.Member m : cluster.members()) {
      millisUntil(m, operator, 200, System.nanoTime());
    }
    assertThat(as(cluster.node(1), admin, "DELETE", "/api/v1/acl/tokens/" + id, null).status()).isEqualTo(200);
    long revoked = System.nanoTime();
    assertThat(statusWith(cluster.node(1), operator)).as("at once on the node that revoked it").isEqualTo(401);
    long onA = millisUntil(cluster.node(0), operator, 401, revoked);
    long onC = millisUntil(cluster.node(2), operator, 401, revoked);
    System.out.printf("revoked on B: refused on A after %d ms, on C after %d ms%n", onA, onC);
    assertThat(as(cluster.node(2), admin, "GET", "/api/v1/acl/tokens", null).body()).doesNotContain(id);
    assertThat(as(cluster.node(0), admin, "DELETE", "/api/v1/acl/tokens/" + id, null).code()).isEqualTo("NOT_FOUND");
  }

  @Test
  @Order(4)
  void aShortLivedTokenIsRefusedEverywhereOnceItExpires() throws Exception {
    String shortLived = create(cluster.node(2), "reader", "short", "3s");
    long created = System.nanoTime();
    for (ClusterNodes.Member m : cluster.members()) {
      millisUntil(m, shortLived, 200, created);
    }
    Thread.sleep(Math.max(0, 3000 - (System.nanoTime() - created) / 1_000_000)); // its lifetime, no longer
    long expired = System.nanoTime();
    for (ClusterNodes.Member m : cluster.members()) {
      millisUntil(m, shortLived, 401, expired);
      assertThat(as(m, shortLived, "GET", "/api/v1/workloads", null).json().getJsonObject("error").getString("message"))
          .contains("expired");
    }
  }
}

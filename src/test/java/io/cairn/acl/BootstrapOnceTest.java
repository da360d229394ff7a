package io.cairn.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.bus.Bus;
import io.cairn.model.Event;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import io.cairn.testing.TestNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node: bootstrap happens once, decided by the marker the log keeps, not by whether tokens
 * are left; a store whose tokens predate the marker refuses it too; the node's tokens follow the
 * applied table, whoever wrote it.
 */
@Timeout(120)
class BootstrapOnceTest {
  static final Map<String, String> AUTH = Map.of("auth.enabled", "true");

  static TestNode.Reply as(TestNode node, String token, String method, String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url(path)))
        .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}")
            : HttpRequest.BodyPublishers.noBody()).header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return node.send(b);
  }

  @Test
  void bootstrapIsRefusedOnceDoneEvenAfterItsTokenIsRevokedAndTheNodeRestarts(@TempDir Path data) {
    TestNode node = TestNode.start(data, AUTH);
    try {
      TestNode.Reply boot = as(node, null, "POST", "/api/v1/acl/bootstrap");
      assertThat(boot.status()).isEqualTo(201);
      String admin = boot.json().getString("secret");
      assertThat(as(node, admin, "DELETE", "/api/v1/acl/tokens/" + boot.json().getString("id")).status())
          .isEqualTo(200);
      assertThat(as(node, admin, "GET", "/api/v1/workloads").status()).isEqualTo(401);
      TestNode.Reply again = as(node, null, "POST", "/api/v1/acl/bootstrap");
      assertThat(again.status()).as("no token is left, but the cluster was bootstrapped").isEqualTo(409);
      assertThat(again.code()).isEqualTo("CONFLICT");
      node.close();
      node = TestNode.start(data, AUTH);
      TestNode.Reply afterRestart = as(node, null, "POST", "/api/v1/acl/bootstrap");
      assertThat(afterRestart.status()).isEqualTo(409);
      assertThat(afterRestart.code()).isEqualTo("CONFLICT");
    } finally {
      node.close();
    }
  }

  @Test
  void aTokenWrittenWithoutTheMarkerIsFollowedAndRefusesBootstrap(@TempDir Path data) throws Exception {
    try (TestNode node = TestNode.start(data, AUTH)) {
      // as a node of a version before the marker stored it: straight into the table, not through acl
      String secret = "older-secret-0123456789";
      AclToken older = new AclToken("00000000000000aa", "older", Role.reader, Tokens.hash(secret),
          System.currentTimeMillis(), 0);
      Bus.request(node.agent().vertx(), StorageBus.WRITE, new StorageBus.Write(
              List.of(new Mutation.Put(Table.ACL_TOKENS, older.id(), older)), List.<Event>of()), Duration.ofSeconds(10), null)
          .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
      String token = Tokens.format(older.id(), secret);
      await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
          .until(() -> as(node, token, "GET", "/api/v1/workloads").status() == 200);
      TestNode.Reply boot = as(node, null, "POST", "/api/v1/acl/bootstrap");
      assertThat(boot.status()).as(boot.body()).isEqualTo(409);
      assertThat(boot.code()).isEqualTo("CONFLICT");
    }
  }
}

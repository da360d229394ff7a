package io.cairn.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.Main;
import io.cairn.bus.Bus;
import io.cairn.cli.Cli;
import io.cairn.grpc.v1.GetWorkloadRequest;
import io.cairn.grpc.v1.Workload;
import io.cairn.grpc.v1.WorkloadServiceGrpcClient;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import io.cairn.testing.Manifests;
import io.cairn.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token flow end to end with auth on: bootstrap once, tokens per role, 401 without a token,
 * 403 naming the role needed, readers see env names without values, revocation and expiry, over
 * REST, gRPC and the CLI; tokens are stored only as hashes and survive a restart.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthTest {
  @TempDir
  static Path data;
  static TestNode node;
  static String admin;
  static String reader;
  static String operator;

  @BeforeAll
  static void start() {
    node = TestNode.start(data, Map.of("auth.enabled", "true"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static TestNode.Reply as(String token, String method, String path, String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url(path)))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
        .header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return node.send(b);
  }

  static String create(String role, String name, String ttl) {
    JsonObject body = new JsonObject().put("role", role).put("name", name);
    if (ttl != null) {
      body.put("ttl", ttl);
    }
    TestNode.Reply r = as(admin, "POST", "/api/v1/acl/tokens", body.encode());
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("secret");
  }

  @Test
  @Order(1)
  void withoutATokenOnlyProbesMetricsAndTheBootstrapAnswer() {
    TestNode.Reply none = node.get("/api/v1/workloads");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.code()).isEqualTo("UNAUTHENTICATED");
    assertThat(as("0123456789abcdef.nope", "GET", "/api/v1/workloads", null).status()).isEqualTo(401);
    assertThat(as(null, "GET", "/api/v1/acl/tokens", null).status()).isEqualTo(401);
    assertThat(node.get("/health/ready").status()).isEqualTo(200);
    assertThat(node.get("/health/live").status()).isEqualTo(200);
    assertThat(node.get("/metrics").status()).isEqualTo(200);

    TestNode.Reply boot = as(null, "POST", "/api/v1/acl/bootstrap", "{}");
    assertThat(boot.status()).isEqualTo(201);
    assertThat(boot.json().getString("role")).isEqualTo("admin");
    admin = boot.json().getString("secret");
    assertThat(admin).startsWith(boot.json().getString("id") + ".");
    TestNode.Reply again = as(null, "POST", "/api/v1/acl/bootstrap", "{}");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.code()).isEqualTo("CONFLICT");
  }

  /** HTTP clients normalize paths themselves, so these go over a plain socket, as an attacker would send them. */
  @Test
  @Order(2)
  void aPathThatOnlyStartsLikeAProbeStillNeedsAToken() throws Exception {
    for (String request : List.of("GET /health/../api/v1/workloads", "GET /health/%2e%2e/api/v1/workloads",
        "GET /health/./../api/v1/acl/tokens", "PUT /health/../api/v1/workloads/sneaky", "GET //api/v1/workloads")) {
      String reply = raw(request);
      assertThat(reply).as(request).startsWith("HTTP/1.1 401").contains("\"UNAUTHENTICATED\"");
    }
    assertThat(raw("GET /health/../health/live")).startsWith("HTTP/1.1 200");
    assertThat(node.get("/api/v1/workloads/sneaky").status()).isEqualTo(401);
  }

  private static String raw(String requestLine) throws java.io.IOException {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", node.agent().httpPort())) {
      s.setSoTimeout(20_000);
      String body = requestLine.startsWith("PUT") ? "{\"spec\":{\"command\":[\"sleep\",\"300\"]}}" : "";
      s.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
          .getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  @Order(2)
  void rolesDecideWhatATokenMayDo() {
    reader = create("reader", "dashboards", null);
    operator = create("operator", "ci", null);
    JsonObject manifest = Manifests.workload("secretive", 1, "sleep", "300");
    manifest.getJsonObject("spec").put("env", new JsonObject().put("DB_PASSWORD", "hunter2"));

    TestNode.Reply denied = as(reader, "PUT", "/api/v1/workloads/secretive", manifest.encode());
    assertThat(denied.status()).isEqualTo(403);
    assertThat(denied.code()).isEqualTo("PERMISSION_DENIED");
    assertThat(denied.json().getJsonObject("error").getString("message")).contains("operator");
    assertThat(as(operator, "PUT", "/api/v1/workloads/secretive", manifest.encode()).status()).isEqualTo(201);

    JsonObject seenByReader = as(reader, "GET", "/api/v1/workloads/secretive", null).json();
    assertThat(seenByReader.getJsonObject("spec").getJsonObject("env").getString("DB_PASSWORD")).isEqualTo("<redacted>");
    assertThat(as(reader, "GET", "/api/v1/workloads", null).body()).doesNotContain("hunter2").contains("<redacted>");
    assertThat(as(operator, "GET", "/api/v1/workloads/secretive", null).json().getJsonObject("spec")
        .getJsonObject("env").getString("DB_PASSWORD")).isEqualTo("hunter2");

    TestNode.Reply notAdmin = as(operator, "POST", "/api/v1/acl/tokens", new JsonObject().put("role", "admin")
        .put("name", "escalate").encode());
    assertThat(notAdmin.status()).isEqualTo(403);
    assertThat(notAdmin.json().getJsonObject("error").getString("message")).contains("admin");
    TestNode.Reply bad = as(admin, "POST", "/api/v1/acl/tokens", new JsonObject().put("role", "god").encode());
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).contains("\"field\":\"role\"").contains("\"field\":\"name\"");

    JsonObject list = as(admin, "GET", "/api/v1/acl/tokens", null).json();
    assertThat(list.getJsonArray("items")).hasSize(3);
    assertThat(list.encode()).doesNotContain(reader.substring(reader.indexOf('.') + 1)).doesNotContain("secretHash");
  }

  @Test
  @Order(3)
  void grpcTakesTheTokenFromAuthorizationMetadata() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      GrpcClient client = GrpcClient.client(vertx);
      SocketAddress address = SocketAddress.inetSocketAddress(node.agent().httpPort(), "127.0.0.1");
      GetWorkloadRequest get = GetWorkloadRequest.newBuilder().setName("secretive").build();
      Object[] anonymous = call(client, address, null, get);
      assertThat(anonymous[0]).isEqualTo(GrpcStatus.UNAUTHENTICATED);
      assertThat(((MultiMap) anonymous[1]).get("cairn-error-code")).isEqualTo("UNAUTHENTICATED");
      Object[] asReader = call(client, address, reader, get);
      assertThat(asReader[0]).isEqualTo(GrpcStatus.OK);
      assertThat(((Workload) asReader[2]).getSpec().getEnvMap()).containsEntry("DB_PASSWORD", "<redacted>");
      Object[] asOperator = call(client, address, operator, get);
      assertThat(((Workload) asOperator[2]).getSpec().getEnvMap()).containsEntry("DB_PASSWORD", "hunter2");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** {status, headers and trailers, reply or null}. */
  static Object[] call(GrpcClient client, SocketAddress address, String token, GetWorkloadRequest request)
      throws Exception {
    return client.request(address, WorkloadServiceGrpcClient.Get)
        .compose(req -> {
          if (token != null) {
            req.headers().set("authorization", "Bearer " + token);
          }
          return req.end(request).compose(v -> req.response());
        })
        .compose(resp -> resp.last().transform(ar -> Future.succeededFuture(new Object[] {resp.status(),
            MultiMap.caseInsensitiveMultiMap().addAll(resp.headers()).addAll(resp.trailers()),
            ar.succeeded() ? ar.result() : null})))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  @Order(4)
  void theCliSendsItsTokenAndSaysWhenItIsRefused() {
    Map<String, String> env = new HashMap<>(Map.of("CAIRN_ADDR", node.url(""), "HOME", "/nonexistent"));
    String[] none = cli(env, "workload", "list");
    assertThat(none[0]).isEqualTo("1");
    assertThat(none[2]).contains("UNAUTHENTICATED");
    env.put("CAIRN_TOKEN", admin);
    String[] created = cli(env, "token", "create", "--role", "reader", "--name", "from-cli", "-o", "json");
    assertThat(created[0]).as(created[2]).isEqualTo("0");
    String cliReader = new JsonObject(created[1]).getString("secret");
    String[] listed = cli(env, "token", "list");
    assertThat(listed[1]).contains("from-cli").contains("reader");
    String[] listAsReader = cli(env, "workload", "list", "--token", cliReader);
    assertThat(listAsReader[0]).isEqualTo("0");
    assertThat(listAsReader[1]).contains("secretive");
    String[] deleteAsReader = cli(env, "workload", "delete", "secretive", "--token", cliReader);
    assertThat(deleteAsReader[0]).isEqualTo("1");
    assertThat(deleteAsReader[2]).contains("PERMISSION_DENIED").contains("operator");
    String[] bootAgain = cli(env, "acl", "bootstrap");
    assertThat(bootAgain[0]).isEqualTo("1");
    assertThat(bootAgain[2]).contains("CONFLICT");
    String[] revoked = cli(env, "token", "revoke", cliReader.substring(0, cliReader.indexOf('.')));
    assertThat(revoked[0]).isEqualTo("0");
    assertThat(cli(env, "workload", "list", "--token", cliReader)[2]).contains("UNAUTHENTICATED");
  }

  static String[] cli(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Cli.run(Main.commandLine(), args, env, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {Integer.toString(exit), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  @Order(5)
  void revokedAndExpiredTokensStopWorking() {
    String shortLived = create("reader", "short", "1s");
    assertThat(as(shortLived, "GET", "/api/v1/workloads", null).status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> as(shortLived, "GET", "/api/v1/workloads", null).status() == 401);
    assertThat(as(shortLived, "GET", "/api/v1/workloads", null).json().getJsonObject("error").getString("message"))
        .contains("expired");

    String id = operator.substring(0, operator.indexOf('.'));
    assertThat(as(admin, "DELETE", "/api/v1/acl/tokens/" + id, null).status()).isEqualTo(200);
    assertThat(as(operator, "GET", "/api/v1/workloads", null).status()).isEqualTo(401);
    assertThat(as(admin, "DELETE", "/api/v1/acl/tokens/" + id, null).status()).isEqualTo(404);
  }

  @Test
  @Order(6)
  void tokensAreStoredOnlyAsHashesAndSurviveARestart() throws Exception {
    List<AclToken> stored = Bus.<StorageBus.Entries>request(node.agent().vertx(), StorageBus.SCAN,
            new StorageBus.Scan(Table.ACL_TOKENS, "", null, 100), Duration.ofSeconds(10), null)
        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS)
        .entries().stream().map(e -> (AclToken) e.value()).toList();
    String adminId = admin.substring(0, admin.indexOf('.'));
    String adminSecret = admin.substring(admin.indexOf('.') + 1);
    AclToken adminToken = stored.stream().filter(t -> t.id().equals(adminId)).findFirst().orElseThrow();
    assertThat(adminToken.secretHash()).isEqualTo(HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(adminSecret.getBytes(StandardCharsets.UTF_8))));
    assertThat(stored.toString()).doesNotContain(adminSecret);

    node.close();
    node = TestNode.start(data, Map.of("auth.enabled", "true"));
    assertThat(as(admin, "GET", "/api/v1/acl/tokens", null).status()).isEqualTo(200);
    assertThat(as(reader, "GET", "/api/v1/workloads", null).status()).isEqualTo(200);
    as(admin, "DELETE", "/api/v1/workloads/secretive", null);
  }

  @Test
  @Order(7)
  void metricsCanRequireAToken(@TempDir Path other) {
    try (TestNode strict = TestNode.start(other, Map.of("auth.enabled", "true", "auth.metricsAnonymous", "false"))) {
      assertThat(strict.get("/metrics").status()).isEqualTo(401);
      assertThat(strict.get("/health/live").status()).isEqualTo(200);
      String boot = strict.post("/api/v1/acl/bootstrap", "application/json", "{}").json().getString("secret");
      HttpRequest.Builder scrape = HttpRequest.newBuilder(URI.create(strict.url("/metrics")))
          .header("Authorization", "Bearer " + boot);
      assertThat(strict.send(scrape).status()).isEqualTo(200);
    }
  }
}

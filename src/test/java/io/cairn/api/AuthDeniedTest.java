package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.grpc.v1.GetWorkloadRequest;
import io.cairn.grpc.v1.WorkloadServiceGrpcClient;
import io.cairn.s3.SigV4;
import io.cairn.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcStatus;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refused request (REST 401 and 403, a refused gRPC call, an S3 signature that does not match)
 * is an AuthDenied event naming the token id or access key id, never its secret, with the source
 * address, request id and reason; a flood from one source is counted, not logged once per request.
 * Each case connects from its own loopback address (127.0.0.N), so each source has its own window.
 */
@Timeout(120)
class AuthDeniedTest {
  private static final Pattern MORE = Pattern.compile("^(\\d+) more denials from 127\\.0\\.0\\.9 ");
  @TempDir
  static Path data;
  static TestNode node;
  static String admin;
  static String reader;

  @BeforeAll
  static void start() {
    node = TestNode.start(data, Map.of("auth.enabled", "true", "auth.deniedWindow", "1s"));
    admin = node.post("/api/v1/acl/bootstrap", "application/json", "{}").json().getString("secret");
    TestNode.Reply created = send("127.0.0.1", "POST", "/api/v1/acl/tokens", admin, null,
        new JsonObject().put("role", "reader").put("name", "dashboards").encode());
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    reader = created.json().getString("secret");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aRequestWithoutATokenIsRecordedWithItsSourceAndRequestId() {
    assertThat(send("127.0.0.2", "GET", "/api/v1/workloads", null, "no-token-1", null).status()).isEqualTo(401);
    JsonObject e = deniedEvent("no-token-1");
    assertThat(e.getString("severity")).isEqualTo("Warning");
    assertThat(e.getString("reason")).contains("GET /api/v1/workloads").contains("from 127.0.0.2")
        .contains("no token").contains("UNAUTHENTICATED");
  }

  @Test
  void aBadTokenIsRecordedByItsIdAndNeverItsSecret() {
    TestNode.Reply unknown = send("127.0.0.3", "GET", "/api/v1/workloads", "0123456789abcdef.SuperSecretPart1",
        "bad-token-1", null);
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(deniedEvent("bad-token-1").getString("reason")).contains("token 0123456789abcdef")
        .contains("from 127.0.0.3").contains("UNAUTHENTICATED").doesNotContain("SuperSecretPart1");

    assertThat(send("127.0.0.4", "GET", "/api/v1/workloads", "SuperSecretPart2", "bad-token-2", null).status())
        .isEqualTo(401);
    assertThat(deniedEvent("bad-token-2").getString("reason")).contains("token malformed")
        .doesNotContain("SuperSecretPart2");
    assertThat(events().encode()).doesNotContain("SuperSecretPart");
  }

  @Test
  void aReaderWritingIsRecordedAsPermissionDenied() {
    String body = new JsonObject().put("role", "reader").put("name", "sneaky").encode();
    assertThat(send("127.0.0.5", "POST", "/api/v1/acl/tokens", reader, "forbidden-1", body).status()).isEqualTo(403);
    String readerId = reader.substring(0, reader.indexOf('.'));
    assertThat(deniedEvent("forbidden-1").getString("reason")).contains("token " + readerId)
        .contains("POST /api/v1/acl/tokens").contains("from 127.0.0.5").contains("PERMISSION_DENIED")
        .doesNotContain(reader.substring(reader.indexOf('.') + 1));
  }

  @Test
  void aRefusedGrpcCallIsRecorded() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      GrpcClient client = GrpcClient.client(vertx, new GrpcClientOptions(), new HttpClientOptions()
          .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false).setLocalAddress("127.0.0.6"));
      SocketAddress address = SocketAddress.inetSocketAddress(node.agent().httpPort(), "127.0.0.1");
      Object[] statusAndId = client.request(address, WorkloadServiceGrpcClient.Get)
          .compose(req -> {
            req.headers().set("x-request-id", "grpc-1");
            return req.end(GetWorkloadRequest.newBuilder().setName("web").build()).compose(v -> req.response());
          })
          .compose(resp -> resp.last().transform(ar -> io.vertx.core.Future.succeededFuture(
              new Object[] {resp.status(), resp.headers().get("x-request-id")})))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(statusAndId[0]).isEqualTo(GrpcStatus.UNAUTHENTICATED);
      assertThat(statusAndId[1]).isEqualTo("grpc-1");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    assertThat(deniedEvent("grpc-1").getString("reason")).contains("gRPC /").contains("/Get")
        .contains("from 127.0.0.6").contains("no token").contains("UNAUTHENTICATED");
  }

  @Test
  void anS3RequestWithAWrongSecretIsRecordedByItsAccessKeyId() throws Exception {
    int port = node.agent().s3Port();
    String wrongSecret = "wrong/secret/WrongSecret0000000000000000";
    Map<String, String> signed = SigV4.sign("GET", "127.0.0.1:" + port, "/", Map.of(), Map.of(), "UNSIGNED-PAYLOAD",
        TestNode.ACCESS_KEY_ID, wrongSecret, "us-east-1", Instant.now());
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
        .timeout(Duration.ofSeconds(30)).header("X-Request-Id", "s3-1");
    signed.forEach((k, v) -> {
      if (!k.equalsIgnoreCase("host")) {
        b.header(k, v);
      }
    });
    HttpResponse<String> r = client("127.0.0.7").send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("SignatureDoesNotMatch");
    assertThat(deniedEvent("s3-1").getString("reason")).contains("access key " + TestNode.ACCESS_KEY_ID)
        .contains("S3 GET /").contains("from 127.0.0.7").contains("SignatureDoesNotMatch")
        .doesNotContain("WrongSecret");
  }

  @Test
  void twoHundredDenialsFromOneSourceAreAFewEventsThatCountThemAll() {
    try (HttpClient http = client("127.0.0.9")) {
      for (int i = 0; i < 200; i++) {
        assertThat(send(http, "GET", "/api/v1/workloads", null, "flood-" + i, null).status()).isEqualTo(401);
      }
    }
    // each window is one event for its first denial plus, once it closes, one counting the rest
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      List<String> reasons = events().stream().map(o -> ((JsonObject) o).getString("reason"))
          .filter(reason -> reason.contains("from 127.0.0.9")).toList();
      int counted = 0;
      int summaries = 0;
      for (String reason : reasons) {
        Matcher m = MORE.matcher(reason);
        if (m.find()) {
          counted += Integer.parseInt(m.group(1));
          summaries++;
        } else {
          counted++;
        }
      }
      assertThat(counted).as(String.join("\n", reasons)).isEqualTo(200);
      assertThat(summaries).isPositive();
      assertThat(reasons.size()).as(String.join("\n", reasons)).isLessThanOrEqualTo(10);
    });
  }

  /** The AuthDenied event carrying {@code requestId}, once it is there. */
  private static JsonObject deniedEvent(String requestId) {
    JsonObject[] found = {null};
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      found[0] = events().stream().map(o -> (JsonObject) o).filter(e -> requestId.equals(e.getString("requestId")))
          .findFirst().orElse(null);
      assertThat(found[0]).as("AuthDenied event with request id " + requestId).isNotNull();
    });
    assertThat(found[0].getString("type")).isEqualTo("AuthDenied");
    return found[0];
  }

  private static JsonArray events() {
    TestNode.Reply r = send("127.0.0.1", "GET", "/api/v1/events?type=AuthDenied&limit=1000", admin, null, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getJsonArray("items");
  }

  private static HttpClient client(String localAddress) {
    try {
      return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).localAddress(InetAddress.getByName(localAddress))
          .connectTimeout(Duration.ofSeconds(10)).build();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TestNode.Reply send(String from, String method, String path, String token, String requestId,
      String json) {
    try (HttpClient http = client(from)) {
      return send(http, method, path, token, requestId, json);
    }
  }

  private static TestNode.Reply send(HttpClient http, String method, String path, String token, String requestId,
      String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url(path))).timeout(Duration.ofSeconds(30))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
        .header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (requestId != null) {
      b.header("X-Request-Id", requestId);
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new TestNode.Reply(r.statusCode(), r.body(), r.headers());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

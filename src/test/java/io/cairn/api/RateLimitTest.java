package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.grpc.v1.GetWorkloadRequest;
import io.cairn.grpc.v1.WorkloadServiceGrpcClient;
import io.cairn.s3.SigV4;
import io.cairn.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientOptions;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * Request rate limits on the API port (REST and gRPC) and the S3 port, per source and per credential.
 * The node allows a burst of {@value #BURST} and then one request every 5 s, so a burst sent at once
 * always meets the limit and no refill can hide it: every assertion counts requests, none times them.
 * Each case connects from its own loopback address (127.0.0.N), so each is its own source.
 */
@Timeout(120)
class RateLimitTest {
  static final int BURST = 5;
  /** Comfortably more than a burst: the limit must show within these, however slow the machine. */
  static final int ENOUGH = 40;
  static final ServiceMethod<HealthCheckResponse, HealthCheckRequest> HEALTH_CHECK = ServiceMethod.client(
      ServiceName.create("grpc.health.v1", "Health"), "Check", GrpcMessageEncoder.encoder(),
      GrpcMessageDecoder.decoder(HealthCheckResponse.newBuilder()));
  @TempDir
  static Path data;
  static TestNode node;
  static String first;
  static String second;
  static String shared;

  @BeforeAll
  static void start() {
    node = TestNode.start(data, Map.of("auth.enabled", "true", "limits.requestsPerSecond", "0.2",
        "limits.burst", Integer.toString(BURST)));
    // from 127.0.0.1 with the admin token: four requests, within both budgets
    String admin = node.post("/api/v1/acl/bootstrap", "application/json", "{}").json().getString("secret");
    first = token(admin, "first");
    second = token(admin, "second");
    shared = token(admin, "shared");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aBurstPastTheLimitIs429WithRetryAfterAndAJsonErrorAndPassesOnceRefilled() {
    try (HttpClient http = client("127.0.0.11")) {
      TestNode.Reply limited = untilLimited(http, first, BURST);
      assertThat(limited.status()).isEqualTo(429);
      JsonObject error = limited.json().getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("RATE_LIMITED");
      assertThat(error.getString("message")).contains("from 127.0.0.11").contains("limits.requestsPerSecond");
      assertThat(error.getJsonArray("details")).isEmpty();
      assertThat(limited.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 5L);

      // probes and scrapes are never limited
      for (String path : List.of("/health/live", "/health/ready", "/metrics")) {
        assertThat(send(http, "GET", path, null).status()).as(path).isEqualTo(200);
      }
      // a refused request takes nothing, so one token back (5 s) lets the next one through
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> send(http, "GET", "/api/v1/workloads", first).status() == 200);
    }
    try (HttpClient other = client("127.0.0.12")) {
      assertThat(send(other, "GET", "/api/v1/workloads", second).status()).as("another source, another token")
          .isEqualTo(200);
    }
  }

  @Test
  void aTokenUsedFromManySourcesIsLimitedAsOne() {
    try (HttpClient a = client("127.0.0.21"); HttpClient b = client("127.0.0.22")) {
      assertThat(untilLimited(a, shared, BURST).code()).isEqualTo("RATE_LIMITED");
      TestNode.Reply fromB = send(b, "GET", "/api/v1/workloads", shared);
      assertThat(fromB.status()).isEqualTo(429);
      String sharedId = shared.substring(0, shared.indexOf('.'));
      assertThat(fromB.json().getJsonObject("error").getString("message")).contains("with token " + sharedId);
      assertThat(send(b, "GET", "/api/v1/workloads", second).status()).as("the same source, another token")
          .isEqualTo(200);
    }
  }

  @Test
  void guessedTokensCountOnlyAgainstTheirSource() {
    String guess = "0123456789abcdef.NotARealSecret";
    try (HttpClient a = client("127.0.0.31"); HttpClient b = client("127.0.0.32")) {
      List<Integer> statuses = new ArrayList<>();
      while (statuses.isEmpty() || statuses.get(statuses.size() - 1) != 429) {
        assertThat(statuses).as("no 429 within " + ENOUGH + " requests").hasSizeLessThan(ENOUGH);
        statuses.add(send(a, "GET", "/api/v1/workloads", guess).status());
      }
      assertThat(statuses.subList(0, BURST)).containsOnly(401);
      assertThat(send(b, "GET", "/api/v1/workloads", guess).status()).as("the guessed token has no budget to spend")
          .isEqualTo(401);
    }
  }

  @Test
  void aGrpcCallPastTheLimitIsResourceExhaustedWithTheSameCodeAndHealthStillAnswers() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      GrpcClient grpc = GrpcClient.client(vertx, new GrpcClientOptions(), new HttpClientOptions()
          .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false).setLocalAddress("127.0.0.41"));
      SocketAddress address = SocketAddress.inetSocketAddress(node.agent().httpPort(), "127.0.0.1");
      List<GrpcStatus> statuses = new ArrayList<>();
      String[] code = {null};
      while (statuses.isEmpty() || statuses.get(statuses.size() - 1) != GrpcStatus.RESOURCE_EXHAUSTED) {
        assertThat(statuses).as("no RESOURCE_EXHAUSTED within " + ENOUGH + " calls").hasSizeLessThan(ENOUGH);
        Future<Object[]> call = grpc.request(address, WorkloadServiceGrpcClient.Get)
            .compose(req -> req.end(GetWorkloadRequest.newBuilder().setName("web").build()).compose(v -> req.response()))
            .compose(resp -> resp.last().transform(ar -> Future.succeededFuture(new Object[] {resp.status(),
                resp.headers().get("cairn-error-code") != null ? resp.headers().get("cairn-error-code")
                    : resp.trailers().get("cairn-error-code")})));
        Object[] result = call.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        statuses.add((GrpcStatus) result[0]);
        code[0] = (String) result[1];
      }
      assertThat(statuses.subList(0, BURST)).as("no token: refused, but counted").containsOnly(GrpcStatus.UNAUTHENTICATED);
      assertThat(code[0]).isEqualTo("RATE_LIMITED");

      HealthCheckResponse health = grpc.request(address, HEALTH_CHECK)
          .compose(req -> req.end(HealthCheckRequest.newBuilder().build()).compose(v -> req.response()))
          .compose(resp -> resp.last())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void anS3BurstPastTheLimitIsSlowDownPerSourceAndPerAccessKey() throws Exception {
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> last = null;
    try (HttpClient a = client("127.0.0.51")) {
      while (last == null || last.statusCode() != 503) {
        assertThat(statuses).as("no 503 within " + ENOUGH + " requests").hasSizeLessThan(ENOUGH);
        last = a.send(signedListBuckets(), HttpResponse.BodyHandlers.ofString());
        statuses.add(last.statusCode());
      }
    }
    assertThat(statuses.subList(0, BURST)).containsOnly(200);
    assertThat(last.body()).contains("<Code>SlowDown</Code>").contains("from 127.0.0.51");
    assertThat(last.headers().firstValue("Content-Type")).hasValue("application/xml");
    assertThat(Long.parseLong(last.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 5L);

    try (HttpClient b = client("127.0.0.52")) {
      HttpResponse<String> sameKey = b.send(signedListBuckets(), HttpResponse.BodyHandlers.ofString());
      assertThat(sameKey.statusCode()).isEqualTo(503);
      assertThat(sameKey.body()).contains("<Code>SlowDown</Code>").contains("with access key " + TestNode.ACCESS_KEY_ID);
      HttpResponse<String> anonymous = b.send(HttpRequest.newBuilder(s3("/")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode()).as("unsigned: counted by its source alone").isEqualTo(403);
    }
  }

  @Test
  void refusalsAreCountedPerListener() throws Exception {
    double api = limitedTotal("api");
    double s3 = limitedTotal("s3");
    try (HttpClient http = client("127.0.0.61")) {
      untilLimited(http, null, BURST);
      HttpResponse<String> r;
      int sent = 0;
      do {
        assertThat(sent++).as("no 503 within " + ENOUGH + " requests").isLessThan(ENOUGH);
        r = http.send(HttpRequest.newBuilder(s3("/")).build(), HttpResponse.BodyHandlers.ofString());
      } while (r.statusCode() != 503);
    }
    assertThat(limitedTotal("api")).isGreaterThan(api);
    assertThat(limitedTotal("s3")).isGreaterThan(s3);
  }

  @Test
  void withoutSettingsNothingIsLimited(@TempDir Path otherData) {
    try (TestNode unlimited = TestNode.start(otherData); HttpClient http = client("127.0.0.71")) {
      for (int i = 0; i < 200; i++) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(unlimited.url("/api/v1/workloads")))
            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("request " + i).isEqualTo(200);
      }
      assertThat(unlimited.get("/metrics").body()).contains("cairn_http_rate_limited_total{listener=\"api\"} 0.0");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends GETs until one is refused (asserting that happens within {@link #ENOUGH}); the first {@code burst} pass. */
  private static TestNode.Reply untilLimited(HttpClient http, String token, int burst) {
    List<TestNode.Reply> replies = new ArrayList<>();
    while (replies.isEmpty() || replies.get(replies.size() - 1).status() != 429) {
      assertThat(replies).as("no 429 within " + ENOUGH + " requests").hasSizeLessThan(ENOUGH);
      replies.add(send(http, "GET", "/api/v1/workloads", token));
    }
    assertThat(replies.subList(0, burst)).extracting(TestNode.Reply::status)
        .containsOnly(token == null ? 401 : 200);
    return replies.get(replies.size() - 1);
  }

  private static double limitedTotal(String listener) {
    Matcher m = Pattern.compile("(?m)^cairn_http_rate_limited_total\\{listener=\"" + listener + "\"} (\\S+)$")
        .matcher(node.get("/metrics").body());
    assertThat(m.find()).as("cairn_http_rate_limited_total for " + listener).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static String token(String admin, String name) {
    TestNode.Reply created = node.send(HttpRequest.newBuilder(URI.create(node.url("/api/v1/acl/tokens")))
        .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("role", "reader").put("name", name).encode())));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().getString("secret");
  }

  private static URI s3(String path) {
    return URI.create("http://127.0.0.1:" + node.agent().s3Port() + path);
  }

  private static HttpRequest signedListBuckets() {
    Map<String, String> signed = SigV4.sign("GET", "127.0.0.1:" + node.agent().s3Port(), "/", Map.of(), Map.of(),
        "UNSIGNED-PAYLOAD", TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY, "us-east-1", Instant.now());
    HttpRequest.Builder b = HttpRequest.newBuilder(s3("/")).timeout(Duration.ofSeconds(30));
    signed.forEach((k, v) -> {
      if (!k.equalsIgnoreCase("host")) {
        b.header(k, v);
      }
    });
    return b.build();
  }

  private static HttpClient client(String localAddress) {
    try {
      return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).localAddress(InetAddress.getByName(localAddress))
          .connectTimeout(Duration.ofSeconds(10)).build();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TestNode.Reply send(HttpClient http, String method, String path, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url(path))).timeout(Duration.ofSeconds(30))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
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

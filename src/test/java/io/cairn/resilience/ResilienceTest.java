package io.cairn.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared resilience component against a real HTTP server on loopback that fails on demand:
 * retries for idempotent calls only, the breaker opening, failing fast, probing and closing, the
 * per-attempt timeout, and the exported breaker state.
 */
@Timeout(60)
class ResilienceTest {
  private Vertx vertx;
  private HttpServer server;
  private HttpClient client;
  private PrometheusMeterRegistry registry;
  private Resilience resilience;
  private final AtomicInteger requests = new AtomicInteger();
  /** How many of the next requests fail with 503; after that the server answers 200. */
  private final AtomicInteger failNext = new AtomicInteger();
  private volatile boolean hang;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> {
      requests.incrementAndGet();
      if (hang) {
        return; // never answers
      }
      req.response().setStatusCode(failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : 200).end("ok");
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    client = vertx.createHttpClient();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    resilience = new Resilience(vertx, registry, new Resilience.Policy(Duration.ofSeconds(2), 3,
        Duration.ofMillis(10), Duration.ofMillis(100), 4, Duration.ofMillis(800)));
  }

  @AfterEach
  void stop() throws Exception {
    resilience.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** One real request; a non-200 answer is a failure. */
  private Future<String> get() {
    return client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
        .compose(r -> r.send())
        .compose(r -> r.statusCode() == 200 ? r.body().map(Object::toString)
            : Future.failedFuture("status " + r.statusCode()));
  }

  private <T> T result(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private double gauge(String target) {
    return registry.get("cairn_breaker_state").tag("target", target).gauge().value();
  }

  @Test
  void anIdempotentCallIsRetriedThroughTransientFailures() throws Exception {
    failNext.set(2);
    assertThat(result(resilience.call("peer-a", true, this::get))).isEqualTo("ok");
    assertThat(requests.get()).isEqualTo(3);
    assertThat(resilience.state("peer-a")).isEqualTo(CircuitBreakerState.CLOSED);
  }

  @Test
  void aNonIdempotentCallIsTriedExactlyOnce() {
    failNext.set(1);
    Future<String> call = resilience.call("peer-b", false, this::get);
    assertThat(call.toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class).withMessageContaining("status 503");
    assertThat(requests.get()).isEqualTo(1);
  }

  @Test
  void repeatedFailuresOpenTheBreakerWhichFailsFastThenProbesAndCloses() throws Exception {
    failNext.set(1_000);
    for (int i = 0; i < 4; i++) {
      assertThat(resilience.call("redis-x", false, this::get).toCompletionStage().toCompletableFuture())
          .failsWithin(Duration.ofSeconds(10));
    }
    assertThat(resilience.state("redis-x")).isEqualTo(CircuitBreakerState.OPEN);
    assertThat(gauge("redis-x")).isEqualTo(2.0);
    assertThat(registry.scrape()).contains("cairn_breaker_state{target=\"redis-x\"} 2.0");

    int before = requests.get();
    Future<String> fastFail = resilience.call("redis-x", true, this::get);
    assertThat(fastFail.toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class).havingCause().isInstanceOfSatisfying(CairnException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThat(requests.get()).as("an open breaker does not reach the target").isEqualTo(before);

    failNext.set(0);
    await().atMost(Duration.ofSeconds(5)).until(() -> resilience.state("redis-x") == CircuitBreakerState.HALF_OPEN);
    assertThat(gauge("redis-x")).isEqualTo(1.0);
    assertThat(result(resilience.call("redis-x", true, this::get))).isEqualTo("ok");
    assertThat(resilience.state("redis-x")).isEqualTo(CircuitBreakerState.CLOSED);
    assertThat(gauge("redis-x")).isEqualTo(0.0);
  }

  @Test
  void aTargetThatNeverAnswersTimesOutPerAttempt() {
    hang = true;
    long started = System.nanoTime();
    Future<String> call = resilience.call("peer-slow", false, this::get);
    assertThat(call.toCompletionStage().toCompletableFuture()).failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class).havingCause().isInstanceOfSatisfying(CairnException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
    assertThat(requests.get()).isEqualTo(1);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void targetsHaveSeparateBreakers() throws Exception {
    failNext.set(1_000);
    for (int i = 0; i < 4; i++) {
      assertThat(resilience.call("down", false, this::get).toCompletionStage().toCompletableFuture())
          .failsWithin(Duration.ofSeconds(10));
    }
    failNext.set(0);
    assertThat(result(resilience.call("up", true, this::get))).isEqualTo("ok");
    // "down" opened (and may already be half-open again on a loaded machine: reset is 800 ms); "up" never did
    assertThat(resilience.states().get("down")).isIn(CircuitBreakerState.OPEN, CircuitBreakerState.HALF_OPEN);
    assertThat(resilience.states()).containsEntry("up", CircuitBreakerState.CLOSED);
  }
}

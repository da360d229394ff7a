package io.cairn.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.resilience.Resilience;
import io.cairn.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis killed under the registry: calls fail with a clear code instead of hanging, the breaker
 * opens and then fails fast, and once redis-server is back on its port the registry works again
 * without being rebuilt.
 */
@Timeout(60)
class RedisOutageTest {

  @Test
  void callsFailClearlyWhileRedisIsDownAndWorkAgainWhenItReturns() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (RedisServer server = new RedisServer()) {
      Redis redis = Redis.createClient(vertx, server.url());
      Resilience resilience = new Resilience(vertx, new SimpleMeterRegistry(), new Resilience.Policy(
          Duration.ofMillis(300), 1, Duration.ofMillis(10), Duration.ofMillis(50), 3, Duration.ofMillis(500)));
      RedisRegistry registry = new RedisRegistry(redis, resilience, "redis:outage");
      LocationRegistryContract.get(registry.register("steady", "node-a", Duration.ofMinutes(5)));

      server.kill();
      for (int i = 0; i < 3; i++) {
        assertThat(registry.locate("steady").toCompletionStage().toCompletableFuture())
            .failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class);
      }
      assertThat(resilience.state("redis:outage")).isEqualTo(CircuitBreakerState.OPEN);
      assertThat(registry.register("new", "node-a", Duration.ofMinutes(5)).toCompletionStage().toCompletableFuture())
          .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class).havingCause()
          .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));

      server.start(); // empty again: no persistence, as after a real Redis restart without a dump
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
        LocationRegistryContract.get(registry.register("steady", "node-a", Duration.ofMinutes(5)));
        return true;
      });
      assertThat(LocationRegistryContract.get(registry.locate("steady"))).isEqualTo(Optional.of("node-a"));
      assertThat(resilience.state("redis:outage")).isEqualTo(CircuitBreakerState.CLOSED);
      redis.close();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}

package io.cairn.resilience;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.circuitbreaker.OpenCircuitException;
import io.vertx.circuitbreaker.RetryPolicy;
import io.vertx.circuitbreaker.TimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The one way a call leaves this process (Redis now; peers and other nodes later): a timeout per
 * attempt, retries with exponential backoff and full jitter for idempotent calls only, and a
 * circuit breaker per target (vertx-circuit-breaker), whose state is exported as
 * {@code cairn_breaker_state{target}} (0 closed, 1 half-open, 2 open). Call sites never build their
 * own retry loop.
 */
public final class Resilience {
  /** How hard to try: per-attempt timeout, retries, backoff bounds, and when a breaker opens and probes again. */
  public record Policy(Duration timeout, int maxRetries, Duration backoffInitial, Duration backoffMax,
      int maxFailures, Duration resetTimeout) {
    public static final Policy DEFAULT = new Policy(Duration.ofSeconds(2), 3, Duration.ofMillis(50),
        Duration.ofSeconds(2), 5, Duration.ofSeconds(5));
  }

  private final Vertx vertx;
  private final MeterRegistry registry;
  private final Policy policy;
  private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
  private final RetryPolicy backoff;

  public Resilience(Vertx vertx, MeterRegistry registry, Policy policy) {
    this.vertx = vertx;
    this.registry = registry;
    this.policy = policy;
    this.backoff = RetryPolicy.exponentialDelayWithJitter(policy.backoffInitial().toMillis(),
        policy.backoffMax().toMillis());
  }

  /**
   * Runs {@code command} against {@code target}. Failures come back as they were, except that a
   * timeout is DEADLINE_EXCEEDED and an open breaker is UNAVAILABLE (both CairnExceptions), so
   * callers map them like any other error.
   */
  public <T> Future<T> call(String target, boolean idempotent, Supplier<Future<T>> command) {
    return attempt(breaker(target), idempotent ? policy.maxRetries() : 0, 1, command)
        .recover(e -> Future.failedFuture(translate(target, e)));
  }

  /**
   * One attempt through the breaker, then (while retries are left and the breaker still lets calls
   * through) another after the library's exponential-with-jitter delay. The breaker's own retry
   * option is left off because it would retry every call, idempotent or not.
   */
  private <T> Future<T> attempt(CircuitBreaker breaker, int retriesLeft, int attemptNumber,
      Supplier<Future<T>> command) {
    return breaker.execute(command).recover(e -> {
      if (retriesLeft == 0 || e instanceof OpenCircuitException) {
        return Future.failedFuture(e);
      }
      long delay = Math.max(1, backoff.delay(e, attemptNumber));
      return vertx.timer(delay).compose(v -> attempt(breaker, retriesLeft - 1, attemptNumber + 1, command));
    });
  }

  private static Throwable translate(String target, Throwable cause) {
    if (cause instanceof OpenCircuitException) {
      return new CairnException(ErrorCode.UNAVAILABLE, target + " is unavailable (circuit open after repeated failures)");
    }
    if (cause instanceof TimeoutException) {
      return new CairnException(ErrorCode.DEADLINE_EXCEEDED, target + " did not answer in time");
    }
    return cause;
  }

  /** Every target's breaker state, for the API and health details. */
  public Map<String, CircuitBreakerState> states() {
    Map<String, CircuitBreakerState> out = new TreeMap<>();
    breakers.forEach((t, b) -> out.put(t, b.state()));
    return out;
  }

  public CircuitBreakerState state(String target) {
    return breaker(target).state();
  }

  private CircuitBreaker breaker(String target) {
    return breakers.computeIfAbsent(target, t -> {
      CircuitBreaker b = CircuitBreaker.create("cairn-" + t, vertx, new CircuitBreakerOptions()
          .setTimeout(policy.timeout().toMillis())
          .setMaxFailures(policy.maxFailures())
          .setResetTimeout(policy.resetTimeout().toMillis())
          .setNotificationAddress(null)); // no event-bus notifications: the gauge below is the report
      Gauge.builder("cairn_breaker_state", b, br -> switch (br.state()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
          })
          .tag("target", t).description("Circuit breaker per remote target: 0 closed, 1 half-open, 2 open")
          .register(registry);
      return b;
    });
  }

  /** Closes every breaker (their timers) when the node stops. */
  public void close() {
    breakers.values().forEach(CircuitBreaker::close);
  }
}

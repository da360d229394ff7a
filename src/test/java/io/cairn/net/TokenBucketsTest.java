package io.cairn.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Token buckets on a clock the test moves by hand: what a key may take, when, and how many keys are kept. */
@Timeout(30)
class TokenBucketsTest {
  private static final long MS = 1_000_000L;
  private final AtomicLong clock = new AtomicLong(123_456_789L);

  @Test
  void aKeyTakesItsBurstAtOnceThenOneTokenPerInterval() {
    TokenBuckets buckets = new TokenBuckets(2, 3, 100, clock::get);
    for (int i = 0; i < 3; i++) {
      assertThat(buckets.take("a")).as("take " + i).isZero();
    }
    assertThat(buckets.take("a")).isEqualTo(500 * MS);
    clock.addAndGet(499 * MS);
    assertThat(buckets.take("a")).isEqualTo(MS);
    clock.addAndGet(MS);
    assertThat(buckets.take("a")).isZero();
    assertThat(buckets.take("a")).isEqualTo(500 * MS);
  }

  @Test
  void refusedRequestsTakeNothing() {
    TokenBuckets buckets = new TokenBuckets(1, 1, 100, clock::get);
    assertThat(buckets.take("a")).isZero();
    for (int i = 0; i < 1000; i++) {
      assertThat(buckets.take("a")).isEqualTo(1000 * MS);
    }
    clock.addAndGet(1000 * MS);
    assertThat(buckets.take("a")).isZero();
  }

  @Test
  void aQuietKeyRefillsUpToItsBurstAndNoFurther() {
    TokenBuckets buckets = new TokenBuckets(10, 4, 100, clock::get);
    assertThat(buckets.take("a")).isZero();
    clock.addAndGet(3_600_000 * MS);
    int taken = 0;
    while (buckets.take("a") == 0) {
      taken++;
    }
    assertThat(taken).isEqualTo(4);
  }

  @Test
  void keysHaveTheirOwnBuckets() {
    TokenBuckets buckets = new TokenBuckets(1, 1, 100, clock::get);
    assertThat(buckets.take("a")).isZero();
    assertThat(buckets.take("a")).isPositive();
    assertThat(buckets.take("b")).isZero();
  }

  @Test
  void aSprayOfKeysIsForgottenOldestFirstButTheKeyBeingLimitedIsKept() {
    TokenBuckets buckets = new TokenBuckets(1, 2, 1000, clock::get);
    buckets.take("hot");
    buckets.take("hot");
    for (int i = 0; i < 100_000; i++) {
      assertThat(buckets.take("spray-" + i)).isZero();
      if (i % 50 == 0) {
        assertThat(buckets.take("hot")).as("after %d sprayed keys", i).isPositive();
      }
    }
    assertThat(buckets.size()).isLessThanOrEqualTo(1000 + 16);
    assertThat(buckets.take("hot")).isPositive();
  }

  @Test
  void eventLoopsSharingOneKeyTakeExactlyItsBurst() throws Exception {
    TokenBuckets buckets = new TokenBuckets(1, 500, 100, clock::get);
    AtomicInteger taken = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Void>> loops = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        loops.add(() -> {
          for (int i = 0; i < 1000; i++) {
            if (buckets.take("shared") == 0) {
              taken.incrementAndGet();
            }
          }
          return null;
        });
      }
      for (Future<Void> f : threads.invokeAll(loops)) {
        f.get();
      }
    } finally {
      threads.shutdown();
      assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(taken.get()).isEqualTo(500);
  }
}

package io.cairn.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every registry back end must do; each back end's test class extends this and supplies a
 * fresh registry plus a look at its raw node sets (to check that no id is ever in two).
 */
@Timeout(60)
abstract class LocationRegistryContract {
  static final Duration LONG = Duration.ofMinutes(5);

  abstract LocationRegistry registry();

  /** The nodes whose raw set holds {@code id}, expired or not. */
  abstract Set<String> setsHolding(String id) throws Exception;

  static <T> T get(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void registerLocateMembersAndLoad() throws Exception {
    LocationRegistry r = registry();
    get(r.register("web-1", "node-a", LONG));
    get(r.register("web-2", "node-a", LONG));
    get(r.register("task-9", "node-b", LONG));
    assertThat(get(r.locate("web-1"))).contains("node-a");
    assertThat(get(r.locate("task-9"))).contains("node-b");
    assertThat(get(r.locate("nobody"))).isEmpty();
    assertThat(get(r.members("node-a"))).containsExactlyInAnyOrder("web-1", "web-2");
    assertThat(get(r.members("node-c"))).isEmpty();
    assertThat(get(r.load())).containsEntry("node-a", 2L).containsEntry("node-b", 1L).doesNotContainKey("node-c");
  }

  @Test
  void reRegisteringOnAnotherNodeMovesTheId() throws Exception {
    LocationRegistry r = registry();
    get(r.register("mover", "node-a", LONG));
    get(r.register("mover", "node-b", LONG));
    assertThat(get(r.locate("mover"))).contains("node-b");
    assertThat(get(r.members("node-a"))).doesNotContain("mover");
    assertThat(get(r.members("node-b"))).contains("mover");
    assertThat(setsHolding("mover")).containsExactly("node-b");
    assertThat(get(r.load())).containsEntry("node-b", 1L).doesNotContainKey("node-a");
    get(r.register("mover", "node-b", LONG)); // same node again: still counted once
    assertThat(get(r.load())).containsEntry("node-b", 1L);
  }

  @Test
  void entriesExpireUnlessHeartbeatedAndCleanupEmptiesTheSets() throws Exception {
    LocationRegistry r = registry();
    Duration ttl = Duration.ofMillis(600);
    get(r.register("beating", "node-a", ttl));
    get(r.register("silent", "node-a", ttl));
    long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
    while (System.nanoTime() < until) {
      assertThat(get(r.heartbeat("beating", "node-a", ttl))).isTrue();
      Thread.sleep(150);
    }
    assertThat(get(r.locate("beating"))).contains("node-a");
    assertThat(get(r.locate("silent"))).isEmpty();
    assertThat(get(r.members("node-a"))).containsExactly("beating");
    assertThat(get(r.heartbeat("silent", "node-a", ttl))).as("an expired entry is not revived").isFalse();
    assertThat(get(r.cleanup())).isEqualTo(1);
    assertThat(setsHolding("silent")).isEmpty();
    assertThat(get(r.load())).containsEntry("node-a", 1L);
  }

  @Test
  void aHeartbeatFromTheOldNodeDoesNotClaimAMovedId() throws Exception {
    LocationRegistry r = registry();
    get(r.register("moved", "node-a", LONG));
    get(r.register("moved", "node-b", LONG));
    assertThat(get(r.heartbeat("moved", "node-a", LONG))).isFalse();
    assertThat(get(r.locate("moved"))).contains("node-b");
  }

  @Test
  void deregisterForgets() throws Exception {
    LocationRegistry r = registry();
    get(r.register("gone", "node-a", LONG));
    assertThat(get(r.deregister("gone"))).isTrue();
    assertThat(get(r.deregister("gone"))).isFalse();
    assertThat(get(r.locate("gone"))).isEmpty();
    assertThat(setsHolding("gone")).isEmpty();
    assertThat(get(r.load())).doesNotContainKey("node-a");
  }

  @Test
  void concurrentMovesNeverLeaveAnIdInTwoSets() throws Exception {
    LocationRegistry r = registry();
    List<String> nodes = List.of("n1", "n2", "n3", "n4");
    List<String> ids = List.of("hot-1", "hot-2", "hot-3");
    int threads = 8;
    int movesPerThread = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    CountDownLatch go = new CountDownLatch(1);
    AtomicReference<String> violation = new AtomicReference<>();
    List<java.util.concurrent.Future<?>> movers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      movers.add(pool.submit(() -> {
        go.await();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int i = 0; i < movesPerThread; i++) {
          get(r.register(ids.get(rnd.nextInt(ids.size())), nodes.get(rnd.nextInt(nodes.size())), LONG));
        }
        return null;
      }));
    }
    java.util.concurrent.Future<?> watcher = pool.submit(() -> {
      go.await();
      while (movers.stream().anyMatch(f -> !f.isDone())) {
        for (String id : ids) {
          Set<String> holding = setsHolding(id);
          if (holding.size() > 1) {
            violation.compareAndSet(null, id + " in " + holding);
          }
        }
      }
      return null;
    });
    go.countDown();
    for (var f : movers) {
      f.get(50, TimeUnit.SECONDS);
    }
    watcher.get(10, TimeUnit.SECONDS);
    pool.shutdown();
    assertThat(violation.get()).as("an id seen in two host sets").isNull();
    long total = 0;
    for (String id : ids) {
      Optional<String> at = get(r.locate(id));
      assertThat(at).isPresent();
      assertThat(setsHolding(id)).containsExactly(at.get());
    }
    for (long n : get(r.load()).values()) {
      total += n;
    }
    assertThat(total).isEqualTo(ids.size());
  }

}

package io.cairn.cluster;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Concurrent linearizable reads share rounds to the leader: one read-index round is on its way at
 * a time, and reads arriving meanwhile wait for the next round (never the current one: it may
 * have started before them, so its index could miss a write they saw complete). A round is a
 * blocking call on a thread of its own: the Netty transport has no unordered async client, and an
 * ordered stream fails every later request for good once one ran out of retries.
 */
final class ReadIndexRounds {
  private final Callable<Long> round;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "cairn-raft-read");
    t.setDaemon(true);
    return t;
  });
  private final Object lock = new Object();
  private boolean inFlight;
  private CompletableFuture<Long> next;

  /** {@code round} asks the leader for its read index (blocking); its result is the index to wait for. */
  ReadIndexRounds(Callable<Long> round) {
    this.round = round;
  }

  /** The read index of a round that starts after this call. */
  CompletableFuture<Long> readIndex() {
    synchronized (lock) {
      if (inFlight) {
        if (next == null) {
          next = new CompletableFuture<>();
        }
        return next;
      }
      inFlight = true;
    }
    CompletableFuture<Long> mine = new CompletableFuture<>();
    start(mine);
    return mine;
  }

  private void start(CompletableFuture<Long> waiters) {
    CompletableFuture.supplyAsync(() -> {
      try {
        return round.call();
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }, thread).whenComplete((index, e) -> {
      CompletableFuture<Long> following;
      synchronized (lock) {
        following = next;
        next = null;
        inFlight = following != null;
      }
      if (e != null) {
        waiters.completeExceptionally(e);
      } else {
        waiters.complete(index);
      }
      if (following != null) {
        start(following);
      }
    });
  }

  void close() {
    thread.shutdownNow();
  }
}

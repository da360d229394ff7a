package io.cairn.s3;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The arrays uploads fill with chunks, under one budget for all uploads of this front end: an
 * upload that would pass it waits (its request paused) until another gives an array back, so a
 * thousand open uploads cannot take the heap, whatever their clients send. At least one array is
 * always granted, so a budget smaller than a chunk still lets uploads through one at a time.
 *
 * <p>Full-chunk arrays are also reused: a chunk array lives as long as its chunk is hashed and
 * written (tens of milliseconds), long enough to be copied by young collections and promoted, so a
 * fresh array per chunk made large uploads spend a fifth of their time in GC. An array comes back
 * for reuse only when nothing can still read it; one a timed-out write may still be reading is
 * {@link #forget forgotten} instead (its budget is returned, the array left to the GC). At most
 * {@code maxIdle} arrays wait here between uploads.
 */
final class ChunkBuffers {
  private final int chunkSize;
  private final int maxIdle;
  private final long budget;
  private final ArrayDeque<byte[]> idle = new ArrayDeque<>();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  /** Bytes of arrays handed out and not yet given back or forgotten. */
  private long outstanding;

  private record Waiter(int size, Promise<byte[]> promise) {}

  ChunkBuffers(int chunkSize, int maxIdle, long budget) {
    this.chunkSize = chunkSize;
    this.maxIdle = maxIdle;
    this.budget = budget;
  }

  /**
   * An array for the next chunk of a body that has {@code remaining} more bytes (negative when
   * the length is unknown): exactly that many when less than a chunk, else a full chunk. Completes
   * at once while the budget allows, else once enough arrays came back (first come, first served).
   */
  Future<byte[]> take(long remaining) {
    int size = remaining > 0 && remaining < chunkSize ? (int) remaining : chunkSize;
    synchronized (this) {
      if (waiters.isEmpty() && fits(size)) {
        return Future.succeededFuture(grant(size));
      }
      Promise<byte[]> promise = Promise.promise();
      waiters.add(new Waiter(size, promise));
      return promise.future();
    }
  }

  /** Hands back an array nothing reads any more: its budget is free again and a full chunk may be reused. */
  void give(byte[] array) {
    returned(array, true);
  }

  /** An array something may still read (a write that timed out): its budget is free, the array is not reused. */
  void forget(byte[] array) {
    returned(array, false);
  }

  private void returned(byte[] array, boolean reusable) {
    List<Runnable> granted = new ArrayList<>();
    synchronized (this) {
      outstanding -= array.length;
      if (reusable && array.length == chunkSize && idle.size() < maxIdle) {
        idle.push(array);
      }
      while (!waiters.isEmpty() && fits(waiters.peek().size())) {
        Waiter w = waiters.poll();
        byte[] next = grant(w.size());
        granted.add(() -> w.promise().complete(next));
      }
    }
    granted.forEach(Runnable::run); // outside the lock: completing resumes an upload
  }

  private boolean fits(int size) {
    return outstanding == 0 || outstanding + size <= budget;
  }

  private byte[] grant(int size) {
    outstanding += size;
    if (size == chunkSize && !idle.isEmpty()) {
      return idle.pop();
    }
    return new byte[size];
  }

  synchronized int idle() {
    return idle.size();
  }

  synchronized long outstanding() {
    return outstanding;
  }

  synchronized int waiting() {
    return waiters.size();
  }
}

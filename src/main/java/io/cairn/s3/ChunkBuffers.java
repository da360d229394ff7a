package io.cairn.s3;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The heap the S3 front end spends on chunks, under one budget: the arrays uploads and part copies
 * fill, and room reserved for chunks read onto the heap (compressed ones, decompressed for a GET or
 * a copy). A request that would pass the budget waits (an upload with its request paused) until
 * another gives bytes back, so a thousand open requests cannot take the heap, whatever their
 * clients send or fail to read. At least one grant always goes through, so a budget smaller than a
 * chunk still lets requests through one at a time. Waiters are served first come, first served, on
 * the context they asked from.
 *
 * <p>Full-chunk arrays are also reused: a chunk array lives as long as its chunk is hashed and
 * written (tens of milliseconds), long enough to be copied by young collections and promoted, so a
 * fresh array per chunk made large uploads spend a fifth of their time in GC. An array comes back
 * for reuse only when nothing can still read it; one a timed-out write may still read is
 * {@link #forget forgotten} instead (its budget is returned, the array left to the GC). At most
 * {@code maxIdle} arrays wait here between requests.
 */
final class ChunkBuffers {
  private final Vertx vertx;
  private final int chunkSize;
  private final int maxIdle;
  private final long budget;
  private final ArrayDeque<byte[]> idle = new ArrayDeque<>();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  /** Bytes of arrays handed out and of room reserved, not yet given back. */
  private long outstanding;

  /** {@code array}: whether the waiter gets an array, or only the room. */
  private record Waiter(int size, boolean array, Promise<byte[]> promise) {}

  /** {@code vertx} null: callbacks run on the thread that frees the bytes (unit tests). */
  ChunkBuffers(Vertx vertx, int chunkSize, int maxIdle, long budget) {
    this.vertx = vertx;
    this.chunkSize = chunkSize;
    this.maxIdle = maxIdle;
    this.budget = budget;
  }

  int chunkSize() {
    return chunkSize;
  }

  /**
   * An array for the next chunk of a body that has {@code remaining} more bytes (negative when
   * the length is unknown): exactly that many when less than a chunk, else a full chunk.
   */
  Future<byte[]> take(long remaining) {
    return ask(remaining > 0 && remaining < chunkSize ? (int) remaining : chunkSize, true);
  }

  /** Room for {@code bytes} of heap something else allocates; give it back with {@link #release}. */
  Future<Void> reserve(int bytes) {
    return ask(bytes, false).mapEmpty();
  }

  private Future<byte[]> ask(int size, boolean array) {
    synchronized (this) {
      if (waiters.isEmpty() && fits(size)) {
        return Future.succeededFuture(grant(size, array));
      }
      Promise<byte[]> promise = vertx == null ? Promise.promise()
          : ((ContextInternal) vertx.getOrCreateContext()).promise();
      waiters.add(new Waiter(size, array, promise));
      return promise.future();
    }
  }

  /** Hands back an array nothing reads any more: its budget is free again and a full chunk may be reused. */
  void give(byte[] array) {
    freed(array.length, array);
  }

  /** An array something may still read (a write that timed out): its budget is free, the array is not reused. */
  void forget(byte[] array) {
    freed(array.length, null);
  }

  /** Gives back room taken with {@link #reserve}. */
  void release(int bytes) {
    freed(bytes, null);
  }

  private void freed(long bytes, byte[] reusable) {
    List<Runnable> granted = new ArrayList<>();
    synchronized (this) {
      outstanding -= bytes;
      if (reusable != null && reusable.length == chunkSize && idle.size() < maxIdle) {
        idle.push(reusable);
      }
      while (!waiters.isEmpty() && fits(waiters.peek().size())) {
        Waiter w = waiters.poll();
        byte[] next = grant(w.size(), w.array());
        granted.add(() -> w.promise().complete(next));
      }
    }
    granted.forEach(Runnable::run); // outside the lock: completing resumes a request
  }

  private boolean fits(int size) {
    return outstanding == 0 || outstanding + size <= budget;
  }

  private byte[] grant(int size, boolean array) {
    outstanding += size;
    if (!array) {
      return null;
    }
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

package io.cairn.s3;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reuses the full-chunk arrays uploads fill. A chunk array lives as long as its chunk is hashed
 * and written (tens of milliseconds), long enough to be copied by young collections and promoted,
 * so a fresh array per chunk made large uploads spend a fifth of their time in GC. Arrays come
 * back only when nothing can still read them (a chunk write that timed out may still be running,
 * so its array is dropped instead). At most {@code maxIdle} arrays wait here between uploads.
 */
final class ChunkBuffers {
  private final int chunkSize;
  private final int maxIdle;
  private final ConcurrentLinkedDeque<byte[]> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger idleCount = new AtomicInteger();

  ChunkBuffers(int chunkSize, int maxIdle) {
    this.chunkSize = chunkSize;
    this.maxIdle = maxIdle;
  }

  int chunkSize() {
    return chunkSize;
  }

  /**
   * An array for the next chunk of a body that has {@code remaining} more bytes (negative when
   * the length is unknown): exactly that many when less than a chunk, else a reused full chunk.
   */
  byte[] take(long remaining) {
    if (remaining > 0 && remaining < chunkSize) {
      return new byte[(int) remaining];
    }
    byte[] reused = idle.pollFirst();
    if (reused != null) {
      idleCount.decrementAndGet();
      return reused;
    }
    return new byte[chunkSize];
  }

  /** Hands back an array nothing reads any more; arrays of other sizes are left to the GC. */
  void give(byte[] array) {
    if (array.length == chunkSize && idleCount.incrementAndGet() <= maxIdle) {
      idle.addFirst(array);
    } else if (array.length == chunkSize) {
      idleCount.decrementAndGet();
    }
  }

  int idle() {
    return idleCount.get();
  }
}

package io.cairn.objects;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads every chunk back at a bounded rate and reports those whose bytes no longer match their name. */
public final class ChunkScrubber {
  private final ChunkStore chunks;
  private final long bytesPerSecond;
  private final StorageMetrics metrics;

  public ChunkScrubber(ChunkStore chunks, long bytesPerSecond, StorageMetrics metrics) {
    this.chunks = chunks;
    this.bytesPerSecond = bytesPerSecond;
    this.metrics = metrics;
  }

  /** One pass over all chunks (blocking, throttled); returns the corrupt ones. */
  public List<String> pass() throws IOException, InterruptedException {
    List<String> corrupt = new ArrayList<>();
    long started = System.nanoTime();
    long read = 0;
    for (String hash : chunks.hashes()) {
      try {
        read += chunks.scrub(hash).length;
      } catch (CairnException e) {
        if (e.code() == ErrorCode.CHUNK_CORRUPT) {
          metrics.corrupt();
          corrupt.add(hash);
        }
      }
      long dueNanos = read * 1_000_000_000L / bytesPerSecond;
      long aheadMillis = (dueNanos - (System.nanoTime() - started)) / 1_000_000;
      if (aheadMillis > 0) {
        Thread.sleep(aheadMillis);
      }
    }
    return corrupt;
  }
}

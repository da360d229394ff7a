package io.cairn.net;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One token bucket per key (a source address, a token id): a key may make {@code burst} requests at
 * once, then {@code perSecond} more each second; a refused request takes nothing. Each bucket is kept
 * as one number, the instant it will be full again (the GCRA form of a token bucket), so a check is a
 * map lookup and some arithmetic: O(1), no allocation once a key is known, no timers.
 *
 * <p>Memory is bounded: at most about {@code maxKeys} buckets, the least recently used dropped first.
 * Dropping a bucket forgets at most one burst's worth of debt, and only for a key that has been quiet
 * while {@code maxKeys} others were used; a key that is being limited is used on every request, so it
 * is never the one dropped.
 *
 * <p>Shared by the event loops of several verticle instances: keys are spread over shards, each with
 * its own lock, held for that lookup and arithmetic only (never for I/O), so a check does not block.
 */
public final class TokenBuckets {
  private static final int SHARDS = 16;

  private final long nanosPerToken;
  private final long burstNanos;
  private final LongSupplier nanoClock;
  private final Shard[] shards = new Shard[SHARDS];

  /** {@code nanoClock}: {@link System#nanoTime} in a node, a hand-moved clock in tests. */
  public TokenBuckets(double perSecond, int burst, int maxKeys, LongSupplier nanoClock) {
    if (!(perSecond > 0) || burst < 1 || maxKeys < 1) {
      throw new IllegalArgumentException("perSecond > 0, burst >= 1 and maxKeys >= 1 are needed");
    }
    this.nanosPerToken = Math.max(1, Math.round(1e9 / perSecond));
    this.burstNanos = burst * nanosPerToken;
    this.nanoClock = nanoClock;
    int perShard = Math.max(1, (maxKeys + SHARDS - 1) / SHARDS);
    for (int i = 0; i < SHARDS; i++) {
      shards[i] = new Shard(perShard);
    }
  }

  /**
   * Takes a token from {@code key}'s bucket: 0 when there was one (the request may go ahead), else
   * the nanoseconds until there will be one (and nothing was taken).
   */
  public long take(String key) {
    Shard shard = shards[Math.floorMod(spread(key.hashCode()), SHARDS)];
    long now = nanoClock.getAsLong();
    synchronized (shard) {
      Bucket bucket = shard.get(key);
      long fullAt = bucket == null || bucket.fullAt - now < 0 ? now : bucket.fullAt;
      long next = fullAt + nanosPerToken;
      long wait = next - now - burstNanos;
      if (wait > 0) {
        return wait;
      }
      if (bucket == null) {
        shard.put(key, new Bucket(next));
      } else {
        bucket.fullAt = next;
      }
      return 0;
    }
  }

  /** Buckets held now (for tests of the bound). */
  int size() {
    int n = 0;
    for (Shard shard : shards) {
      synchronized (shard) {
        n += shard.size();
      }
    }
    return n;
  }

  /** Keys that differ only in their last characters (addresses) still spread over the shards. */
  private static int spread(int h) {
    return h ^ (h >>> 16);
  }

  private static final class Bucket {
    /** The {@code nanoClock} instant at which this bucket holds {@code burst} tokens again. */
    long fullAt;

    Bucket(long fullAt) {
      this.fullAt = fullAt;
    }
  }

  /** Buckets in access order; past its capacity the least recently used one goes. */
  private static final class Shard extends LinkedHashMap<String, Bucket> {
    private final int capacity;

    Shard(int capacity) {
      super(16, 0.75f, true);
      this.capacity = capacity;
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
      return size() > capacity;
    }
  }
}

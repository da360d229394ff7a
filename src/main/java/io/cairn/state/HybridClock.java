package io.cairn.state;

import java.util.function.LongSupplier;

/** Hybrid logical clock: follows wall time, never goes backwards, and orders events within a millisecond. */
public final class HybridClock {
  private final String nodeId;
  private final LongSupplier wallClock;
  private long lastWall;
  private int lastLogical;

  public HybridClock(String nodeId) {
    this(nodeId, System::currentTimeMillis);
  }

  HybridClock(String nodeId, LongSupplier wallClock) {
    this.nodeId = nodeId;
    this.wallClock = wallClock;
  }

  public synchronized Version now() {
    long wall = wallClock.getAsLong();
    if (wall > lastWall) {
      lastWall = wall;
      lastLogical = 0;
    } else {
      lastLogical++;
    }
    return new Version(lastWall, lastLogical, nodeId);
  }

  /** Moves the clock past a version seen from elsewhere (a peer, or entries on disk at start-up). */
  public synchronized void observe(Version seen) {
    if (seen.wallMillis() > lastWall || (seen.wallMillis() == lastWall && seen.logical() > lastLogical)) {
      lastWall = seen.wallMillis();
      lastLogical = seen.logical();
    }
  }
}

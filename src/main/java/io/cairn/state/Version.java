package io.cairn.state;

import java.util.Comparator;

/**
 * A hybrid-logical-clock timestamp plus the writing node: totally ordered, so replicas can settle
 * conflicts by keeping the higher version (last writer wins).
 */
public record Version(long wallMillis, int logical, String nodeId) implements Comparable<Version> {
  private static final Comparator<Version> ORDER = Comparator.comparingLong(Version::wallMillis)
      .thenComparingInt(Version::logical)
      .thenComparing(Version::nodeId);

  @Override
  public int compareTo(Version other) {
    return ORDER.compare(this, other);
  }
}

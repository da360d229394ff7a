package io.cairn.state;

/**
 * One versioned state entry: {@code (table, key) -> (value, version, tombstone)}. {@code logIndex} is
 * the index of the log entry that last changed it (0 for node-local tables): its resource version.
 */
public record Entry<T>(Table table, String key, T value, Version version, boolean tombstone, long logIndex) {}

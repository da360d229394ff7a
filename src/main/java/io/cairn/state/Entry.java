package io.cairn.state;

/** One versioned state entry: {@code (table, key) -> (value, version, tombstone)}. */
public record Entry<T>(Table table, String key, T value, Version version, boolean tombstone) {}

package io.cairn.state;

/** One change in an atomic batch. */
public sealed interface Mutation {
  Table table();

  String key();

  /** Writes a new live version of the entry. */
  record Put(Table table, String key, Object value) implements Mutation {}

  /** Writes a tombstone, so that replicas learn of the delete by version like any other write. */
  record Delete(Table table, String key) implements Mutation {}

  /** Removes the entry outright; only for node-local data that is never replicated (trimmed events). */
  record Purge(Table table, String key) implements Mutation {}
}

package io.cairn.state;

import io.cairn.model.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Versioned tables in RocksDB, one column family per {@link Table}. Every method blocks: call it
 * from a worker thread only (the storage verticle does).
 */
public final class StateStore implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final Map<Table, ColumnFamilyHandle> handles = new EnumMap<>(Table.class);
  private final List<ColumnFamilyHandle> allHandles = new ArrayList<>();
  private final WriteOptions writeOptions;
  private final HybridClock clock;

  private StateStore(RocksDB db, DBOptions dbOptions, ColumnFamilyOptions cfOptions,
      List<ColumnFamilyHandle> handleList, HybridClock clock, boolean syncWrites) {
    this.db = db;
    this.dbOptions = dbOptions;
    this.cfOptions = cfOptions;
    this.clock = clock;
    this.allHandles.addAll(handleList);
    Table[] tables = Table.values();
    for (int i = 0; i < tables.length; i++) {
      handles.put(tables[i], handleList.get(i + 1));
    }
    this.writeOptions = new WriteOptions().setSync(syncWrites);
  }

  /** Opens (creating if needed) the store under {@code dir}, writing versions stamped by {@code nodeId}. */
  public static StateStore open(Path dir, String nodeId, boolean syncWrites) throws RocksDBException {
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new RocksDBException("cannot create " + dir + ": " + e.getMessage());
    }
    ColumnFamilyOptions cfOptions = new ColumnFamilyOptions().optimizeForSmallDb();
    // the file manager lets RocksDB recover by itself from running out of space once space is back
    DBOptions dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
        .setMaxOpenFiles(256).setKeepLogFileNum(3)
        .setSstFileManager(new org.rocksdb.SstFileManager(org.rocksdb.Env.getDefault()));
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
    for (Table t : Table.values()) {
      descriptors.add(new ColumnFamilyDescriptor(t.columnFamily().getBytes(StandardCharsets.UTF_8), cfOptions));
    }
    List<ColumnFamilyHandle> handleList = new ArrayList<>();
    RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handleList);
    StateStore store = new StateStore(db, dbOptions, cfOptions, handleList, new HybridClock(nodeId), syncWrites);
    store.advanceClockPastStoredVersions();
    return store;
  }

  /** A restarted node must never write a version lower than one it wrote before. */
  private void advanceClockPastStoredVersions() {
    for (Table t : Table.values()) {
      try (RocksIterator it = db.newIterator(handles.get(t))) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          clock.observe(EntryCodec.decode(t, key(it), it.value()).version());
        }
      }
    }
  }

  public <T> Optional<Entry<T>> get(Table table, String key) throws RocksDBException {
    byte[] raw = db.get(handles.get(table), key.getBytes(StandardCharsets.UTF_8));
    if (raw == null) {
      return Optional.empty();
    }
    Entry<T> entry = EntryCodec.decode(table, key, raw);
    return entry.tombstone() ? Optional.empty() : Optional.of(entry);
  }

  /**
   * Live entries whose key starts with {@code prefix}, in key order, starting after {@code afterKey}
   * (exclusive; null for the beginning), at most {@code limit}, keeping those {@code filter} accepts.
   */
  public <T> List<Entry<T>> scan(Table table, String prefix, String afterKey, int limit,
      Predicate<Entry<T>> filter) {
    List<Entry<T>> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(handles.get(table))) {
      String start = afterKey != null && afterKey.compareTo(prefix) > 0 ? afterKey : prefix;
      it.seek(start.getBytes(StandardCharsets.UTF_8));
      for (; it.isValid() && out.size() < limit; it.next()) {
        String key = key(it);
        if (!key.startsWith(prefix)) {
          break;
        }
        if (afterKey != null && key.equals(afterKey)) {
          continue;
        }
        Entry<T> entry = EntryCodec.decode(table, key, it.value());
        if (!entry.tombstone() && filter.test(entry)) {
          out.add(entry);
        }
      }
    }
    return out;
  }

  /** The greatest key in a table (live or tombstone), if any. */
  public Optional<String> lastKey(Table table) {
    try (RocksIterator it = db.newIterator(handles.get(table))) {
      it.seekToLast();
      return it.isValid() ? Optional.of(key(it)) : Optional.empty();
    }
  }

  /** Number of keys in a table (live or not); cheap estimate first, exact count for small tables. */
  public long count(Table table) {
    long n = 0;
    try (RocksIterator it = db.newIterator(handles.get(table))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        n++;
      }
    }
    return n;
  }

  /** Applies all mutations atomically and returns the version they were written at. */
  public Version write(List<? extends Mutation> mutations) throws RocksDBException {
    return write(mutations, -1);
  }

  /** Where the index of the last applied log entry is kept (default column family: no table of its own). */
  private static final byte[] APPLIED_INDEX = "cairn.appliedIndex".getBytes(StandardCharsets.UTF_8);

  /** The index of the last log entry applied with {@link #applyCommitted}; 0 before any. */
  public long appliedIndex() throws RocksDBException {
    byte[] raw = db.get(APPLIED_INDEX);
    return raw == null ? 0 : java.nio.ByteBuffer.wrap(raw).getLong();
  }

  /**
   * Applies a committed log entry: its mutations and its index in one atomic batch, so a crash can
   * neither lose an applied entry nor apply one twice. An entry at or below the applied index (a
   * replay after restart) is skipped. Returns the version written, or null when skipped.
   */
  public Version applyCommitted(long index, List<? extends Mutation> mutations) throws RocksDBException {
    if (index <= 0) {
      throw new IllegalArgumentException("log indices start at 1, got " + index);
    }
    return index <= appliedIndex() ? null : write(mutations, index);
  }

  private Version write(List<? extends Mutation> mutations, long appliedIndex) throws RocksDBException {
    Version version = clock.now();
    try (WriteBatch batch = new WriteBatch()) {
      if (appliedIndex > 0) {
        batch.put(APPLIED_INDEX, java.nio.ByteBuffer.allocate(Long.BYTES).putLong(appliedIndex).array());
      }
      for (Mutation m : mutations) {
        ColumnFamilyHandle cf = handles.get(m.table());
        byte[] key = m.key().getBytes(StandardCharsets.UTF_8);
        switch (m) {
          case Mutation.Put put -> batch.put(cf, key, EntryCodec.encode(version, false, Json.encode(put.value())));
          case Mutation.Delete del -> batch.put(cf, key, EntryCodec.encode(version, true, new byte[0]));
          case Mutation.Purge purge -> batch.delete(cf, key);
        }
      }
      db.write(writeOptions, batch);
    }
    return version;
  }

  /** Physically removes tombstones older than {@code cutoffMillis}; returns how many. */
  public int purgeTombstones(Table table, long cutoffMillis) throws RocksDBException {
    List<String> old = new ArrayList<>();
    try (RocksIterator it = db.newIterator(handles.get(table))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        Entry<Object> e = EntryCodec.decode(table, key(it), it.value());
        if (e.tombstone() && e.version().wallMillis() < cutoffMillis) {
          old.add(e.key());
        }
      }
    }
    if (!old.isEmpty()) {
      write(old.stream().map(k -> new Mutation.Purge(table, k)).toList());
    }
    return old.size();
  }

  public void flush() throws RocksDBException {
    try (var options = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      db.flush(options, allHandles);
    }
  }

  private static String key(RocksIterator it) {
    return new String(it.key(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    try {
      db.flushWal(true);
    } catch (RocksDBException ignored) {
      // closing anyway; RocksDB replays the WAL on next open
    }
    allHandles.forEach(ColumnFamilyHandle::close);
    db.close();
    writeOptions.close();
    dbOptions.close();
    cfOptions.close();
  }
}

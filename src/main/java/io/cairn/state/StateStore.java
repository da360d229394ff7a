package io.cairn.state;

import io.cairn.model.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
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
  private final ReplicatedTables replicatedTables;

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
    this.replicatedTables = new ReplicatedTables(db, handles, clock, writeOptions);
  }

  /** Opens (creating if needed) the store under {@code dir}, writing versions stamped by {@code nodeId}. */
  public static StateStore open(Path dir, String nodeId, boolean syncWrites) throws RocksDBException {
    try {
      io.cairn.node.PrivateFiles.createDirectories(dir);
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
    try { // RocksDB writes under the process umask; what it wrote recovering its log at open is narrowed now
      io.cairn.node.PrivateFiles.tighten(dir, java.util.Set.of());
    } catch (java.io.IOException e) {
      throw new RocksDBException("cannot restrict " + dir + ": " + e.getMessage());
    }
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

  /** Applies all mutations atomically and returns the version they were written at (node-local tables). */
  public Version write(List<? extends Mutation> mutations) throws RocksDBException {
    Version version = clock.now();
    try (WriteBatch batch = new WriteBatch()) {
      addMutations(batch, mutations, version, 0);
      db.write(writeOptions, batch);
    }
    return version;
  }

  /** Where the (term, index) of the last applied log entry and the fencing term are kept (default column family). */
  static final byte[] APPLIED_INDEX = "cairn.appliedIndex".getBytes(StandardCharsets.UTF_8);
  static final byte[] FENCE_TERM = "cairn.fenceTerm".getBytes(StandardCharsets.UTF_8);

  /** The log position of the last applied command: the Raft term and index (term 0 for the single-node log). */
  public record Applied(long term, long index) {
    static Applied decode(byte[] raw) {
      if (raw == null) {
        return new Applied(0, 0);
      }
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(raw);
      return raw.length >= 16 ? new Applied(buf.getLong(), buf.getLong()) : new Applied(0, buf.getLong());
    }

    byte[] encode() {
      return java.nio.ByteBuffer.allocate(16).putLong(term).putLong(index).array();
    }
  }

  private volatile Applied applied;

  /** The last log entry applied with {@link #applyCommitted}; index 0 before any. */
  public Applied applied() throws RocksDBException {
    Applied known = applied;
    if (known == null) {
      known = Applied.decode(db.get(APPLIED_INDEX));
      applied = known;
    }
    return known;
  }

  public long appliedIndex() throws RocksDBException {
    return applied().index();
  }

  /** What applying one committed command did. {@code version} is null unless it was applied. */
  public record Outcome(Result result, Version version, String reason) {}

  public enum Result {
    APPLIED,
    /** at or below the applied index: a replay after restart, already in the store */
    REPLAYED,
    /** an expectation did not hold: nothing written but the index */
    CONFLICT,
    /** proposed under a term older than one already seen: nothing written but the index */
    FENCED,
    /**
     * its fence term is above the term of its own log entry: no leader proposes under a term it does
     * not hold (and no entry commits in a term older than one its proposer saw), so it was forged;
     * nothing written but the index, and the fence does not move
     */
    REFUSED
  }

  /**
   * Applies a committed log command: its mutations (plus {@code local} ones that must land with it,
   * e.g. the single-node log's events) and its position in one atomic batch, so a crash can neither
   * lose an applied command nor apply one twice. A command at or below the applied index (a replay
   * after restart) is skipped. Expectations and fencing are checked here, against applied state
   * and the entry's own term only, so every node decides the same: a command whose fence term is
   * above {@code term} is {@link Result#REFUSED} and cannot raise the fence (the single-node log
   * applies at term 0, where nothing is fenced). Call from one thread at a time.
   */
  public synchronized Outcome applyCommitted(long term, long index, LogCommand command, List<? extends Mutation> local)
      throws RocksDBException {
    return applyCommitted(term, index, List.of(command), local).get(0);
  }

  /**
   * Applies the commands one log entry carries (concurrent writes batched into one round of the
   * log), in order, each checked against the state the ones before it left, all with the entry's
   * position in one atomic batch. They share the entry's index as their resource version.
   * {@code local} lands with the first command, if that one applies.
   */
  public synchronized List<Outcome> applyCommitted(long term, long index, List<LogCommand> commands,
      List<? extends Mutation> local) throws RocksDBException {
    if (index <= 0) {
      throw new IllegalArgumentException("log indices start at 1, got " + index);
    }
    if (index <= appliedIndex()) {
      return commands.stream().map(c -> new Outcome(Result.REPLAYED, null, null)).toList();
    }
    Applied next = new Applied(term, index);
    long fence = fenceTerm();
    long fenceBefore = fence;
    // resource versions written by earlier commands of this entry (0: deleted)
    Map<String, Long> written = new HashMap<>();
    List<Outcome> outcomes = new ArrayList<>(commands.size());
    List<Version> versions = new ArrayList<>(commands.size());
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(APPLIED_INDEX, next.encode());
      boolean first = true;
      for (LogCommand command : commands) {
        String problem = null;
        Result result = Result.APPLIED;
        if (command.fenceTerm() > term) {
          result = Result.REFUSED;
          problem = "fence term " + command.fenceTerm() + " is above the term " + term + " of its log entry (no leader "
              + "proposes under a term it does not hold); refused on every node, the fence stays at " + fence;
        } else if (command.fenceTerm() > 0 && command.fenceTerm() < fence) {
          result = Result.FENCED;
          problem = "proposed in term " + command.fenceTerm() + ", but term " + fence + " has a leader";
        } else {
          for (LogCommand.Expect e : command.expectations()) {
            Long earlier = written.get(e.table().name() + "/" + e.key());
            long actual = earlier != null ? earlier : get(e.table(), e.key()).map(Entry::logIndex).orElse(0L);
            if (actual != e.logIndex()) {
              result = Result.CONFLICT;
              problem = e.table().columnFamily() + "/" + e.key() + " is at resourceVersion " + actual + ", not "
                  + e.logIndex();
              break;
            }
          }
        }
        Version version = new Version(command.wallMillis(), 0, command.proposer());
        if (result == Result.APPLIED) {
          fence = Math.max(fence, command.fenceTerm());
          addMutations(batch, command.mutations(), version, index);
          for (Mutation m : command.mutations()) {
            written.put(m.table().name() + "/" + m.key(), m instanceof Mutation.Put ? index : 0L);
          }
          versions.add(version);
          if (first) {
            addMutations(batch, local, version, index);
          }
        }
        first = false;
        outcomes.add(new Outcome(result, result == Result.APPLIED ? version : null, problem));
      }
      if (fence > fenceBefore) {
        batch.put(FENCE_TERM, java.nio.ByteBuffer.allocate(8).putLong(fence).array());
      }
      db.write(writeOptions, batch);
    }
    applied = next;
    versions.forEach(clock::observe);
    return outcomes;
  }

  /** The newest term a fenced command was proposed in; older fenced proposals are refused. */
  public long fenceTerm() throws RocksDBException {
    byte[] raw = db.get(FENCE_TERM);
    return raw == null ? 0 : java.nio.ByteBuffer.wrap(raw).getLong();
  }

  private void addMutations(WriteBatch batch, List<? extends Mutation> mutations, Version version, long logIndex)
      throws RocksDBException {
    for (Mutation m : mutations) {
      ColumnFamilyHandle cf = handles.get(m.table());
      byte[] key = m.key().getBytes(StandardCharsets.UTF_8);
      switch (m) {
        case Mutation.Put put -> batch.put(cf, key, EntryCodec.encode(version, false, logIndex, Json.encode(put.value())));
        case Mutation.Delete del -> batch.put(cf, key, EntryCodec.encode(version, true, logIndex, new byte[0]));
        case Mutation.Purge purge -> batch.delete(cf, key);
      }
    }
  }

  /**
   * A hash of the replicated tables' live content (table, key, resource version, value): nodes at
   * the same applied index have the same digest. Returned with the applied index it was taken at.
   */
  public record Digest(long appliedIndex, String sha256) {}

  public Digest digest() throws RocksDBException {
    return replicatedTables.digest();
  }

  /**
   * Writes the replicated tables and the applied position, read at one consistent point, to
   * {@code file}: a log snapshot. Node-local tables stay out of it, so installing it elsewhere
   * never touches that node's own data. Returns the position the snapshot is at.
   */
  public Applied exportReplicated(Path file) throws RocksDBException, java.io.IOException {
    return replicatedTables.export(file);
  }

  /**
   * Replaces the replicated tables and the applied position with a snapshot's, in one batch
   * (node-local tables are left alone). Returns the position installed.
   */
  public synchronized Applied importReplicated(Path file) throws RocksDBException, java.io.IOException {
    applied = replicatedTables.install(file);
    return applied;
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

  static String key(RocksIterator it) {
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

package io.cairn.state;

import io.cairn.model.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The replicated tables as a whole, for the control log: their digest (equal state, equal digest),
 * and the snapshot file a far-behind server installs. Node-local tables never enter either.
 */
final class ReplicatedTables {
  private final RocksDB db;
  private final Map<Table, ColumnFamilyHandle> handles;
  private final HybridClock clock;
  private final WriteOptions writeOptions;

  ReplicatedTables(RocksDB db, Map<Table, ColumnFamilyHandle> handles, HybridClock clock, WriteOptions writeOptions) {
    this.db = db;
    this.handles = handles;
    this.clock = clock;
    this.writeOptions = writeOptions;
  }

  StateStore.Digest digest() throws RocksDBException {
    java.security.MessageDigest sha;
    try {
      sha = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    org.rocksdb.Snapshot snapshot = db.getSnapshot();
    try (org.rocksdb.ReadOptions read = new org.rocksdb.ReadOptions().setSnapshot(snapshot)) {
      StateStore.Applied at = StateStore.Applied.decode(db.get(read, StateStore.APPLIED_INDEX));
      for (Table t : Table.values()) {
        if (!t.replicated()) {
          continue;
        }
        try (RocksIterator it = db.newIterator(handles.get(t), read)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            Entry<Object> e = EntryCodec.decode(t, StateStore.key(it), it.value());
            if (e.tombstone()) {
              continue;
            }
            sha.update(t.columnFamily().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(it.key());
            sha.update((byte) 0);
            sha.update(java.nio.ByteBuffer.allocate(8).putLong(e.logIndex()).array());
            sha.update(Json.encode(e.value()));
          }
        }
      }
      return new StateStore.Digest(at.index(), java.util.HexFormat.of().formatHex(sha.digest()));
    } finally {
      db.releaseSnapshot(snapshot);
    }
  }

  private static final int SNAPSHOT_FORMAT = 0x43534e31; // "CSN1"

  /**
   * Writes the replicated tables and the applied position, read at one consistent point, to
   * {@code file}: a log snapshot. Node-local tables stay out of it, so installing it elsewhere
   * never touches that node's own data. Returns the position the snapshot is at.
   */
  StateStore.Applied export(Path file) throws RocksDBException, java.io.IOException {
    org.rocksdb.Snapshot snapshot = db.getSnapshot();
    try (org.rocksdb.ReadOptions read = new org.rocksdb.ReadOptions().setSnapshot(snapshot);
         java.io.DataOutputStream out = new java.io.DataOutputStream(new java.io.BufferedOutputStream(
             java.nio.channels.Channels.newOutputStream(Files.newByteChannel(file, java.util.Set.of(
             java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
             java.nio.file.StandardOpenOption.WRITE), io.cairn.node.PrivateFiles.fileMode())), 1 << 16))) {
      StateStore.Applied at = StateStore.Applied.decode(db.get(read, StateStore.APPLIED_INDEX));
      byte[] fence = db.get(read, StateStore.FENCE_TERM);
      out.writeInt(SNAPSHOT_FORMAT);
      out.writeLong(at.term());
      out.writeLong(at.index());
      out.writeLong(fence == null ? 0 : java.nio.ByteBuffer.wrap(fence).getLong());
      for (Table t : Table.values()) {
        if (!t.replicated()) {
          continue;
        }
        try (RocksIterator it = db.newIterator(handles.get(t), read)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            out.writeBoolean(true);
            out.writeUTF(t.columnFamily());
            writeBytes(out, it.key());
            writeBytes(out, it.value());
          }
        }
      }
      out.writeBoolean(false);
      return at;
    } finally {
      db.releaseSnapshot(snapshot);
    }
  }

  /**
   * Replaces the replicated tables and the applied position with a snapshot's, in one batch
   * (node-local tables are left alone). Returns the position installed.
   */
  StateStore.Applied install(Path file) throws RocksDBException, java.io.IOException {
    try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
             Files.newInputStream(file), 1 << 16));
         WriteBatch batch = new WriteBatch()) {
      if (in.readInt() != SNAPSHOT_FORMAT) {
        throw new java.io.IOException(file + " is not a state snapshot");
      }
      StateStore.Applied at = new StateStore.Applied(in.readLong(), in.readLong());
      long fence = in.readLong();
      for (Table t : Table.values()) {
        if (t.replicated()) {
          try (RocksIterator it = db.newIterator(handles.get(t))) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
              batch.delete(handles.get(t), it.key());
            }
          }
        }
      }
      java.util.Map<String, Table> byName = new java.util.HashMap<>();
      for (Table t : Table.values()) {
        byName.put(t.columnFamily(), t);
      }
      while (in.readBoolean()) {
        Table t = byName.get(in.readUTF());
        byte[] k = readBytes(in);
        byte[] v = readBytes(in);
        if (t == null || !t.replicated()) {
          throw new java.io.IOException("snapshot names a table that is not replicated");
        }
        batch.put(handles.get(t), k, v);
        clock.observe(EntryCodec.decode(t, new String(k, StandardCharsets.UTF_8), v).version());
      }
      batch.put(StateStore.APPLIED_INDEX, at.encode());
      batch.put(StateStore.FENCE_TERM, java.nio.ByteBuffer.allocate(8).putLong(fence).array());
      db.write(writeOptions, batch);
      return at;
    }
  }

  private static void writeBytes(java.io.DataOutputStream out, byte[] bytes) throws java.io.IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static byte[] readBytes(java.io.DataInputStream in) throws java.io.IOException {
    int n = in.readInt();
    if (n < 0 || n > (64 << 20)) {
      throw new java.io.IOException("corrupt snapshot: entry of " + n + " bytes");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

}

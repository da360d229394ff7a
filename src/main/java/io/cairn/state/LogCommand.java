package io.cairn.state;

import io.cairn.model.Json;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One change of control state as it travels through the log: the mutations to apply atomically,
 * the versions they expect to find (optimistic concurrency), and the proposer's term when the
 * change must come from a current leader (fencing). Applying it is deterministic: every node that
 * applies the same command to the same state gets the same state.
 *
 * @param proposer   node that proposed it (stamped into the versions it writes)
 * @param wallMillis proposer's clock when proposed: the time recorded in the versions, never read as "now"
 * @param fenceTerm  0, or the leader term the proposer held: refused once a later term has fenced, and
 *                   refused outright when above the term of the log entry that carries it
 */
public record LogCommand(String proposer, long wallMillis, long fenceTerm, List<Expect> expectations,
    List<Mutation> mutations) {

  /** The entry {@code (table, key)} must be at {@code logIndex} (0: must not exist) when applied. */
  public record Expect(Table table, String key, long logIndex) {}

  public static LogCommand of(String proposer, List<Mutation> mutations) {
    return new LogCommand(proposer, System.currentTimeMillis(), 0, List.of(), List.copyOf(mutations));
  }

  private static final byte FORMAT = 1;
  /** A log entry carrying several commands: concurrent writes share one round of the log. */
  private static final byte BATCH_FORMAT = 2;
  private static final byte PUT = 0;
  private static final byte DELETE = 1;

  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeUTF(proposer);
      out.writeLong(wallMillis);
      out.writeLong(fenceTerm);
      out.writeInt(expectations.size());
      for (Expect e : expectations) {
        out.writeUTF(e.table().columnFamily());
        out.writeUTF(e.key());
        out.writeLong(e.logIndex());
      }
      out.writeInt(mutations.size());
      for (Mutation m : mutations) {
        if (!m.table().replicated()) {
          throw new IllegalArgumentException(m.table() + " is node-local: it never goes through the log");
        }
        switch (m) {
          case Mutation.Put put -> {
            out.writeByte(PUT);
            out.writeUTF(m.table().columnFamily());
            out.writeUTF(m.key());
            byte[] json = Json.encode(put.value());
            out.writeInt(json.length);
            out.write(json);
          }
          case Mutation.Delete del -> {
            out.writeByte(DELETE);
            out.writeUTF(m.table().columnFamily());
            out.writeUTF(m.key());
          }
          case Mutation.Purge purge -> throw new IllegalArgumentException("purges are node-local");
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e); // in-memory stream
    }
    return bytes.toByteArray();
  }

  public static LogCommand decode(byte[] data) throws IOException {
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data));
    byte format = in.readByte();
    if (format != FORMAT) {
      throw new IOException("unknown log command format " + format);
    }
    String proposer = in.readUTF();
    long wall = in.readLong();
    long fence = in.readLong();
    int n = count(in);
    List<Expect> expect = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      expect.add(new Expect(table(in.readUTF()), in.readUTF(), in.readLong()));
    }
    int m = count(in);
    List<Mutation> mutations = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      byte kind = in.readByte();
      Table table = table(in.readUTF());
      if (!table.replicated()) { // as encode refuses: an entry writing a node-local table was not written by us
        throw new IOException(table.columnFamily() + " is node-local: no log command writes it");
      }
      String key = in.readUTF();
      if (kind == PUT) {
        byte[] json = new byte[count(in)];
        in.readFully(json);
        mutations.add(new Mutation.Put(table, key, Json.decode(json, table.valueType())));
      } else if (kind == DELETE) {
        mutations.add(new Mutation.Delete(table, key));
      } else {
        throw new IOException("unknown mutation kind " + kind);
      }
    }
    end(in);
    return new LogCommand(proposer, wall, fence, List.copyOf(expect), List.copyOf(mutations));
  }

  /** One log entry's payload: the commands, in the order they are to be applied. */
  public static byte[] encodeEntry(List<LogCommand> commands) {
    if (commands.size() == 1) {
      return commands.get(0).encode();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * commands.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(BATCH_FORMAT);
      out.writeInt(commands.size());
      for (LogCommand c : commands) {
        byte[] one = c.encode();
        out.writeInt(one.length);
        out.write(one);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e); // in-memory stream
    }
    return bytes.toByteArray();
  }

  /** The commands of one entry; IOException, or a RuntimeException from a value's JSON, when it does not decode. */
  public static List<LogCommand> decodeEntry(byte[] data) throws IOException {
    if (data.length == 0 || data[0] != BATCH_FORMAT) {
      return List.of(decode(data));
    }
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data));
    in.readByte();
    int n = in.readInt();
    if (n < 1 || n > data.length) {
      throw new IOException("bad batch size " + n);
    }
    List<LogCommand> commands = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] one = new byte[count(in)];
      in.readFully(one);
      commands.add(decode(one));
    }
    end(in);
    return List.copyOf(commands);
  }

  /**
   * A count or length read from an entry: never more than the bytes left, so undecodable bytes (the
   * leader checks every proposed entry by decoding it) cannot make it allocate gigabytes.
   */
  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("bad length " + n + " with " + in.available() + " bytes left");
    }
    return n;
  }

  private static void end(DataInputStream in) throws IOException {
    if (in.available() != 0) {
      throw new IOException(in.available() + " bytes after the last field");
    }
  }

  private static Table table(String columnFamily) throws IOException {
    for (Table t : Table.values()) {
      if (t.columnFamily().equals(columnFamily)) {
        return t;
      }
    }
    throw new IOException("unknown table " + columnFamily);
  }
}

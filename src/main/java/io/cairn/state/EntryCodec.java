package io.cairn.state;

import io.cairn.model.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Binary layout of a stored entry: format byte, version, tombstone flag, then the JSON value. */
final class EntryCodec {
  private static final byte FORMAT = 1;

  private EntryCodec() {}

  static byte[] encode(Version version, boolean tombstone, byte[] value) {
    byte[] node = version.nodeId().getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(1 + 8 + 4 + 2 + node.length + 1 + value.length);
    buf.put(FORMAT).putLong(version.wallMillis()).putInt(version.logical())
        .putShort((short) node.length).put(node).put((byte) (tombstone ? 1 : 0)).put(value);
    return buf.array();
  }

  static <T> Entry<T> decode(Table table, String key, byte[] stored) {
    ByteBuffer buf = ByteBuffer.wrap(stored);
    byte format = buf.get();
    if (format != FORMAT) {
      throw new IllegalStateException("unknown entry format " + format + " in " + table + "/" + key);
    }
    long wall = buf.getLong();
    int logical = buf.getInt();
    byte[] node = new byte[buf.getShort()];
    buf.get(node);
    boolean tombstone = buf.get() == 1;
    Version version = new Version(wall, logical, new String(node, StandardCharsets.UTF_8));
    T value = null;
    if (!tombstone) {
      byte[] json = new byte[buf.remaining()];
      buf.get(json);
      @SuppressWarnings("unchecked")
      T decoded = (T) Json.decode(json, table.valueType());
      value = decoded;
    }
    return new Entry<>(table, key, value, version, tombstone);
  }
}

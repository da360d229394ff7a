package io.cairn.state;

import io.cairn.model.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary layout of a stored entry: format byte, version, tombstone flag, log index (format 2), then
 * the JSON value. Format 1 entries (written before the log index existed) read as index 0.
 */
final class EntryCodec {
  private static final byte FORMAT_1 = 1;
  private static final byte FORMAT = 2;

  private EntryCodec() {}

  static byte[] encode(Version version, boolean tombstone, long logIndex, byte[] value) {
    byte[] node = version.nodeId().getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(1 + 8 + 4 + 2 + node.length + 1 + 8 + value.length);
    buf.put(FORMAT).putLong(version.wallMillis()).putInt(version.logical())
        .putShort((short) node.length).put(node).put((byte) (tombstone ? 1 : 0)).putLong(logIndex).put(value);
    return buf.array();
  }

  static <T> Entry<T> decode(Table table, String key, byte[] stored) {
    ByteBuffer buf = ByteBuffer.wrap(stored);
    byte format = buf.get();
    if (format != FORMAT && format != FORMAT_1) {
      throw new IllegalStateException("unknown entry format " + format + " in " + table + "/" + key);
    }
    long wall = buf.getLong();
    int logical = buf.getInt();
    byte[] node = new byte[buf.getShort()];
    buf.get(node);
    boolean tombstone = buf.get() == 1;
    long logIndex = format == FORMAT ? buf.getLong() : 0;
    Version version = new Version(wall, logical, new String(node, StandardCharsets.UTF_8));
    T value = null;
    if (!tombstone) {
      byte[] json = new byte[buf.remaining()];
      buf.get(json);
      @SuppressWarnings("unchecked")
      T decoded = (T) Json.decode(json, table.valueType());
      value = decoded;
    }
    return new Entry<>(table, key, value, version, tombstone, logIndex);
  }
}

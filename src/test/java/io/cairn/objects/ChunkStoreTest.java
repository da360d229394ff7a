package io.cairn.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkStoreTest {
  @TempDir
  Path dir;

  /** {@code n} random bytes, the same for the same seed. */
  static byte[] randomBytes(int n, long seed) {
    byte[] bytes = new byte[n];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  @Test
  void identicalContentIsStoredOnceAndCompressedOnlyWhenItPays() throws Exception {
    for (ChunkStore.Compression codec : ChunkStore.Compression.values()) {
      ChunkStore store = new ChunkStore(dir.resolve(codec.name()), codec);
      byte[] text = "the same line again and again\n".repeat(10_000).getBytes();
      ChunkStore.Stored first = store.put(text, text.length);
      ChunkStore.Stored second = store.put(text, text.length);
      assertThat(first.written()).isTrue();
      assertThat(second.written()).as("dedup").isFalse();
      assertThat(second.hash()).isEqualTo(first.hash()).isEqualTo(ChunkStore.sha256Hex(text, 0, text.length));
      if (codec == ChunkStore.Compression.none) {
        assertThat(first.storedBytes()).isGreaterThan(text.length);
      } else {
        assertThat(first.storedBytes()).as(codec + " compresses text").isLessThan(text.length / 10);
      }
      assertThat(store.get(first.hash())).isEqualTo(text);

      byte[] noise = randomBytes(100_000, 7);
      ChunkStore.Stored random = store.put(noise, noise.length);
      assertThat(random.storedBytes()).as("random bytes are stored plain").isEqualTo(noise.length + 10);
      assertThat(store.get(random.hash())).isEqualTo(noise);
      assertThat(store.hashes()).containsExactlyInAnyOrder(first.hash(), random.hash());
    }
  }

  @Test
  void aFlippedByteIsDetectedOnRead() throws Exception {
    ChunkStore store = new ChunkStore(dir, ChunkStore.Compression.none);
    byte[] data = randomBytes(50_000, 1);
    ChunkStore.Stored s = store.put(data, data.length);
    byte[] raw = Files.readAllBytes(store.path(s.hash()));
    raw[1000] ^= 0x01;
    Files.write(store.path(s.hash()), raw);
    assertThatThrownBy(() -> store.get(s.hash())).isInstanceOfSatisfying(CairnException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.CHUNK_CORRUPT));
    assertThatThrownBy(() -> store.scrub(s.hash())).isInstanceOfSatisfying(CairnException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.CHUNK_CORRUPT));
    assertThat(Arrays.equals(data, raw)).isFalse();
  }

  @Test
  void readsCheckTheCrc32cAndTheScrubberTheSha256Name() throws Exception {
    ChunkStore store = new ChunkStore(dir, ChunkStore.Compression.none);
    byte[] data = "chunk content".getBytes();
    ChunkStore.Stored s = store.put(data, data.length);
    // other bytes under this name with a matching CRC32C: only the name's hash can tell
    byte[] other = "other content".getBytes();
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(other);
    Files.write(store.path(s.hash()), java.nio.ByteBuffer.allocate(10 + other.length).put((byte) 'D').put((byte) 0)
        .putInt(other.length).putInt((int) crc.getValue()).put(other).array());
    assertThat(store.get(s.hash())).isEqualTo(other);
    assertThatThrownBy(() -> store.scrub(s.hash())).isInstanceOfSatisfying(CairnException.class,
        e -> assertThat(e.getMessage()).contains("does not match its hash"));
  }

  @Test
  void chunksWrittenBeforeReadChecksumsAreVerifiedByTheirName() throws Exception {
    ChunkStore store = new ChunkStore(dir, ChunkStore.Compression.none);
    byte[] data = "an old chunk".getBytes();
    String hash = ChunkStore.sha256Hex(data, 0, data.length);
    Files.createDirectories(store.path(hash).getParent());
    byte[] old = java.nio.ByteBuffer.allocate(6 + data.length).put((byte) 'C').put((byte) 0).putInt(data.length)
        .put(data).array();
    Files.write(store.path(hash), old);
    assertThat(store.get(hash)).isEqualTo(data);
    old[8] ^= 0x01;
    Files.write(store.path(hash), old);
    assertThatThrownBy(() -> store.get(hash)).isInstanceOfSatisfying(CairnException.class,
        e -> assertThat(e.getMessage()).contains("does not match its hash"));
  }

  @Test
  void chunksOfTheOlderTwoLevelLayoutAreMovedAtStartAndStillRead() throws Exception {
    ChunkStore store = new ChunkStore(dir, ChunkStore.Compression.none);
    byte[] data = randomBytes(70_000, 12);
    ChunkStore.Stored stored = store.put(data, data.length);
    String h = stored.hash();
    assertThat(store.path(h)).isEqualTo(dir.resolve(h.substring(0, 2)).resolve(h));
    // as an earlier version left it: root/ab/cd/<hash>
    Path legacy = dir.resolve(h.substring(0, 2)).resolve(h.substring(2, 4)).resolve(h);
    Files.createDirectories(legacy.getParent());
    Files.move(store.path(h), legacy);

    StorageMetrics metrics = StorageMetrics.detached();
    ChunkStore reopened = new ChunkStore(dir, ChunkStore.Compression.none, metrics);
    assertThat(reopened.path(h)).exists();
    assertThat(legacy.getParent()).doesNotExist();
    assertThat(reopened.get(h)).isEqualTo(data);
    assertThat(reopened.hashes()).containsExactly(h);
    assertThat(metrics.chunks.get()).isEqualTo(1);
    assertThat(reopened.put(data, data.length).written()).as("dedup finds it in its new place").isFalse();
  }
}

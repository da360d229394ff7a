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

      byte[] noise = new byte[100_000];
      new Random(7).nextBytes(noise);
      ChunkStore.Stored random = store.put(noise, noise.length);
      assertThat(random.storedBytes()).as("random bytes are stored plain").isEqualTo(noise.length + 6);
      assertThat(store.get(random.hash())).isEqualTo(noise);
      assertThat(store.hashes()).containsExactlyInAnyOrder(first.hash(), random.hash());
    }
  }

  @Test
  void aFlippedByteIsDetectedOnRead() throws Exception {
    ChunkStore store = new ChunkStore(dir, ChunkStore.Compression.none);
    byte[] data = new byte[50_000];
    new Random(1).nextBytes(data);
    ChunkStore.Stored s = store.put(data, data.length);
    byte[] raw = Files.readAllBytes(store.path(s.hash()));
    raw[1000] ^= 0x01;
    Files.write(store.path(s.hash()), raw);
    assertThatThrownBy(() -> store.get(s.hash())).isInstanceOfSatisfying(CairnException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.CHUNK_CORRUPT));
    assertThat(Arrays.equals(data, raw)).isFalse();
  }
}

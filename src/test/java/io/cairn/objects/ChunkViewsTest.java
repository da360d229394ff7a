package io.cairn.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkViewsTest {
  @TempDir
  java.nio.file.Path dir;

  private static byte[] bytesOf(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  @Test
  void aPlainChunkIsMappedVerifiedAndReleasedOnce() throws Exception {
    ChunkStore store = new ChunkStore(dir, ChunkStore.Compression.lz4);
    ChunkViews views = new ChunkViews(store);
    byte[] noise = ChunkStoreTest.randomBytes(3 << 20, 5);
    ChunkStore.Stored stored = store.put(noise, noise.length);
    ChunkViews.ChunkView view = views.open(stored.hash());
    assertThat(view).as("random bytes are stored plain, so they have a view").isNotNull();
    assertThat(bytesOf(view.bytes())).isEqualTo(noise);
    assertThat(view.bytes().isReadOnly()).isTrue();
    assertThat(bytesOf(view.bytes().slice(1000, 10))).isEqualTo(java.util.Arrays.copyOfRange(noise, 1000, 1010));
    view.release();
    view.release(); // a second release (the download's final sweep) does nothing
    assertThat(store.get(stored.hash())).as("the file is untouched by unmapping").isEqualTo(noise);
  }

  @Test
  void compressedAndOldFormatChunksHaveNoViewAndMissingOnesAreNotFound() throws Exception {
    ChunkStore store = new ChunkStore(dir, ChunkStore.Compression.lz4);
    ChunkViews views = new ChunkViews(store);
    byte[] text = "compressible line\n".repeat(20_000).getBytes();
    ChunkStore.Stored stored = store.put(text, text.length);
    assertThat(stored.storedBytes()).isLessThan(text.length);
    assertThat(views.open(stored.hash())).isNull();
    assertThatThrownBy(() -> views.open("ab".repeat(32))).isInstanceOfSatisfying(CairnException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
  }

  @Test
  void aFlippedByteFailsTheMappedRead() throws Exception {
    ChunkStore store = new ChunkStore(dir, ChunkStore.Compression.none);
    ChunkViews views = new ChunkViews(store);
    byte[] data = ChunkStoreTest.randomBytes(100_000, 2);
    ChunkStore.Stored stored = store.put(data, data.length);
    byte[] raw = Files.readAllBytes(store.path(stored.hash()));
    raw[raw.length - 1] ^= 0x40;
    Files.write(store.path(stored.hash()), raw);
    assertThatThrownBy(() -> views.open(stored.hash())).isInstanceOfSatisfying(CairnException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.CHUNK_CORRUPT));
  }
}

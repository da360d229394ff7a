package io.cairn.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkFilesTest {
  @TempDir
  Path dir;

  @Test
  void directWritesKeepTheExactBytesWhateverTheirAlignment() throws Exception {
    ChunkFiles files = new ChunkFiles(dir);
    assumeTrue(files.direct(), "this file system refuses O_DIRECT");
    roundTrips(files);
  }

  @Test
  void bufferedWritesKeepTheExactBytes() throws Exception {
    ChunkFiles files = new ChunkFiles(dir, false);
    assertThat(files.direct()).isFalse();
    roundTrips(files);
  }

  /** Lengths around the block size, a header part and a payload part, as the chunk store writes them. */
  private void roundTrips(ChunkFiles files) throws Exception {
    Random random = new Random(3);
    for (int length : new int[] {0, 1, 4095, 4096, 4097, 10_000, 1 << 20, (1 << 20) + 7}) {
      byte[] header = {'D', 0, 1, 2, 3, 4, 5, 6, 7, 8};
      byte[] payload = new byte[length];
      random.nextBytes(payload);
      Path target = dir.resolve("ab").resolve("cd").resolve("abcd" + "0".repeat(56) + length);
      assertThat(files.write(target, ByteBuffer.wrap(header), ByteBuffer.wrap(payload))).isTrue();
      byte[] stored = Files.readAllBytes(target);
      assertThat(stored).hasSize(header.length + length);
      assertThat(java.util.Arrays.copyOfRange(stored, header.length, stored.length)).isEqualTo(payload);
      assertThat(files.write(target, ByteBuffer.wrap(header), ByteBuffer.wrap(payload)))
          .as("a second writer of the same chunk finds it stored").isFalse();
    }
    try (Stream<Path> left = Files.walk(dir)) {
      assertThat(left.filter(p -> p.toString().endsWith(ChunkFiles.TEMP_SUFFIX))).as("no temp file is left").isEmpty();
    }
  }

  @Test
  void aTempFileLeftByACrashIsRemovedAtStartAndNeverCountedAsAChunk() throws Exception {
    ChunkStore store = new ChunkStore(dir, ChunkStore.Compression.none);
    byte[] data = ChunkStoreTest.randomBytes(5000, 9);
    ChunkStore.Stored stored = store.put(data, data.length);
    Path leftover = store.path(stored.hash()).resolveSibling(stored.hash().substring(0, 8) + "-1f" + ChunkFiles.TEMP_SUFFIX);
    Files.write(leftover, new byte[100]);
    assertThat(store.hashes()).containsExactly(stored.hash());

    StorageMetrics metrics = StorageMetrics.detached();
    ChunkStore reopened = new ChunkStore(dir, ChunkStore.Compression.none, metrics);
    assertThat(leftover).doesNotExist();
    assertThat(metrics.chunks.get()).isEqualTo(1);
    assertThat(metrics.storedBytes.get()).isEqualTo(stored.storedBytes());
    assertThat(reopened.get(stored.hash())).isEqualTo(data);
  }
}

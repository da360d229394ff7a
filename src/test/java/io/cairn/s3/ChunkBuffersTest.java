package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChunkBuffersTest {
  @Test
  void aBodyShorterThanAChunkGetsAnArrayOfItsOwnSize() {
    ChunkBuffers buffers = new ChunkBuffers(1024, 2);
    assertThat(buffers.take(100)).hasSize(100);
    assertThat(buffers.take(1024)).hasSize(1024);
    assertThat(buffers.take(5000)).hasSize(1024);
    assertThat(buffers.take(-1)).as("unknown length").hasSize(1024);
    assertThat(buffers.take(0)).as("more than declared").hasSize(1024);
  }

  @Test
  void fullChunkArraysAreReusedUpToTheIdleLimit() {
    ChunkBuffers buffers = new ChunkBuffers(1024, 2);
    byte[] a = buffers.take(-1);
    byte[] b = buffers.take(-1);
    byte[] c = buffers.take(-1);
    buffers.give(a);
    buffers.give(b);
    buffers.give(c);
    buffers.give(new byte[10]);
    assertThat(buffers.idle()).isEqualTo(2);
    byte[] first = buffers.take(4096);
    byte[] second = buffers.take(4096);
    assertThat(first == b && second == a).as("given-back arrays are taken again, newest first").isTrue();
    assertThat(buffers.idle()).isZero();
    byte[] fresh = buffers.take(4096);
    assertThat(fresh != a && fresh != b && fresh != c).as("beyond the idle limit, arrays are left to the GC").isTrue();
  }
}

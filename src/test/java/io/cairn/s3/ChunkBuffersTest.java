package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

class ChunkBuffersTest {
  @Test
  void aBodyShorterThanAChunkGetsAnArrayOfItsOwnSize() {
    ChunkBuffers buffers = new ChunkBuffers(null, 1024, 2, 1 << 20);
    assertThat(buffers.take(100).result()).hasSize(100);
    assertThat(buffers.take(1024).result()).hasSize(1024);
    assertThat(buffers.take(5000).result()).hasSize(1024);
    assertThat(buffers.take(-1).result()).as("unknown length").hasSize(1024);
    assertThat(buffers.take(0).result()).as("more than declared").hasSize(1024);
    assertThat(buffers.outstanding()).isEqualTo(100 + 4 * 1024);
  }

  @Test
  void fullChunkArraysAreReusedUpToTheIdleLimitButNotWhenForgotten() {
    ChunkBuffers buffers = new ChunkBuffers(null, 1024, 2, 1 << 20);
    byte[] a = buffers.take(-1).result();
    byte[] b = buffers.take(-1).result();
    byte[] c = buffers.take(-1).result();
    byte[] d = buffers.take(-1).result();
    buffers.give(a);
    buffers.give(b);
    buffers.give(c);
    buffers.forget(d);
    buffers.give(buffers.take(10).result());
    assertThat(buffers.idle()).isEqualTo(2);
    assertThat(buffers.outstanding()).isZero();
    byte[] first = buffers.take(4096).result();
    byte[] second = buffers.take(4096).result();
    assertThat(first == b && second == a).as("given-back arrays are taken again, newest first").isTrue();
    byte[] fresh = buffers.take(4096).result();
    assertThat(fresh != a && fresh != b && fresh != c && fresh != d).as("beyond the idle limit, and forgotten ones, "
        + "arrays are left to the GC").isTrue();
  }

  @Test
  void pastTheBudgetTakersWaitInTurnUntilArraysComeBack() {
    ChunkBuffers buffers = new ChunkBuffers(null, 1000, 4, 2500);
    byte[] a = buffers.take(-1).result();
    byte[] b = buffers.take(-1).result();
    Future<byte[]> third = buffers.take(-1);
    Future<byte[]> small = buffers.take(10);
    assertThat(third.isComplete()).as("2000 + 1000 > 2500").isFalse();
    assertThat(small.isComplete()).as("first come, first served: it waits behind the third").isFalse();
    assertThat(buffers.waiting()).isEqualTo(2);
    buffers.forget(a);
    assertThat(third.succeeded()).isTrue();
    assertThat(small.isComplete()).as("1000 + 1000 + 10 fits").isTrue();
    assertThat(buffers.outstanding()).isEqualTo(2010);
    buffers.give(b);
    buffers.give(third.result());
    buffers.give(small.result());
    assertThat(buffers.outstanding()).isZero();
  }

  @Test
  void oneArrayIsAlwaysGrantedEvenOverABudgetSmallerThanAChunk() {
    ChunkBuffers buffers = new ChunkBuffers(null, 1000, 1, 10);
    Future<byte[]> only = buffers.take(-1);
    assertThat(only.result()).hasSize(1000);
    Future<byte[]> next = buffers.take(-1);
    assertThat(next.isComplete()).isFalse();
    buffers.give(only.result());
    assertThat(next.result()).as("the reused array").isSameAs(only.result());
  }
}

package io.cairn.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The output buffer's promises, for random writes, caps and reader speeds: a follower present from
 * the start reads every byte in order whatever the cap; a reader arriving late gets exactly the kept
 * head and is told how much it missed; and every byte of credit the pipe readers took comes back
 * once the follower has read (so a writer is never stalled for good, and nothing is held twice).
 */
class TaskOutputPropertyTest {

  @Test
  void followersReadEverythingLateReadersGetTheKeptHeadAndCreditReturns() {
    qt().withExamples(300).forAll(lists().of(integers().between(1, 6000)).ofSizeBetween(0, 120),
            integers().between(0, 30_000), integers().between(1, 70_000), integers().between(0, 1000))
        .checkAssert((sizes, cap, readSize, seed) -> {
          Random random = new Random(seed);
          TaskOutput output = new TaskOutput(cap);
          ByteArrayOutputStream written = new ByteArrayOutputStream();
          ByteArrayOutputStream followed = new ByteArrayOutputStream();
          long[] offset = {0};
          for (int size : sizes) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            // the reader thread's side: credit first; without it the writer waits until the follower reads
            if (!output.credit.tryAcquire(size)) {
              offset[0] = drain(output, offset[0], readSize, followed);
              assertThat(output.credit.tryAcquire(size)).as("credit after the follower caught up").isTrue();
            }
            output.append(random.nextBoolean() ? "stdout" : "stderr", data, true);
            written.writeBytes(data);
            if (random.nextInt(3) == 0) {
              offset[0] = drain(output, offset[0], readSize, followed);
            }
          }
          output.close();
          offset[0] = drain(output, offset[0], readSize, followed);
          assertThat(followed.toByteArray()).isEqualTo(written.toByteArray());
          assertThat(offset[0]).isEqualTo(written.size());
          output.trim(Long.MAX_VALUE);
          assertThat(output.credit.availablePermits()).isGreaterThanOrEqualTo(TaskOutput.LIVE_WINDOW);

          TaskOutput.Batch late = output.read(0, Integer.MAX_VALUE);
          ByteArrayOutputStream head = new ByteArrayOutputStream();
          late.chunks().forEach(c -> head.writeBytes(c.data()));
          int kept = Math.min(cap, written.size());
          assertThat(head.toByteArray()).isEqualTo(java.util.Arrays.copyOf(written.toByteArray(), kept));
          assertThat(late.skipped()).isEqualTo(written.size() - kept);
          assertThat(output.dropped()).isEqualTo(written.size() - kept);
          assertThat(output.total()).isEqualTo(written.size());
        });
  }

  /** Reads what is there in batches of about readSize, trimming after each like the verticle does. */
  private static long drain(TaskOutput output, long from, int readSize, ByteArrayOutputStream into) {
    while (true) {
      TaskOutput.Batch b = output.read(from, readSize);
      assertThat(b.skipped()).as("a follower present from the start misses nothing").isZero();
      if (b.chunks().isEmpty()) {
        return from;
      }
      long expected = from;
      for (TaskOutput.Chunk c : b.chunks()) {
        assertThat(c.offset()).isEqualTo(expected);
        expected += c.data().length;
        into.writeBytes(c.data());
      }
      from = b.next();
      output.trim(from);
    }
  }

  @Test
  void chunksKeepTheirStream() {
    TaskOutput output = new TaskOutput(1 << 20);
    output.credit.acquireUninterruptibly(6);
    output.append("stdout", "out\n".getBytes(), false);
    output.append("stderr", "e\n".getBytes(), false);
    List<TaskOutput.Chunk> chunks = output.read(0, 100).chunks();
    assertThat(chunks).extracting(TaskOutput.Chunk::stream).containsExactly("stdout", "stderr");
    assertThat(chunks.get(1).offset()).isEqualTo(4);
  }
}

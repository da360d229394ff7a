package io.cairn.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.cairn.model.Phase;
import io.cairn.model.WorkloadStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state machine over random log commands as they are committed (fixed bytes: puts, deletes,
 * expectations that hold or not, fencing terms that rise or lag): applied with crashes (the store
 * reopened from disk at random points) and replays from earlier indices, as Raft replays after a
 * restart, it reaches the same replicated state (digest), the same fencing term and the same
 * outcome per command as applying each once.
 */
@Timeout(120)
class LogCommandPropertyTest {
  @TempDir
  Path dir;

  static LogCommand command(List<Integer> r) {
    List<Mutation> mutations = new ArrayList<>();
    List<LogCommand.Expect> expect = new ArrayList<>();
    for (int i = 0; i + 1 < r.size(); i += 2) {
      String key = "w" + r.get(i) % 6;
      int v = r.get(i + 1);
      if (v % 7 == 0) {
        mutations.add(new Mutation.Delete(Table.WORKLOAD_STATUS, key));
      } else {
        mutations.add(new Mutation.Put(Table.WORKLOAD_STATUS, key,
            new WorkloadStatus(key, Phase.values()[v % Phase.values().length], v, null, null, v)));
      }
      if (v % 5 == 0) { // a version read earlier: holds only if nothing changed the key since
        expect.add(new LogCommand.Expect(Table.WORKLOAD_STATUS, key, v % 11));
      }
    }
    long fence = r.isEmpty() ? 0 : r.get(0) % 4; // 0: no fencing; else a term that may lag behind
    return new LogCommand("n" + r.size() % 3, 1_000L + r.size(), fence, expect, mutations);
  }

  /** Log entries of one or more commands each (concurrent writes share an entry): a new entry where r[1] is even. */
  static List<byte[]> entries(List<List<Integer>> raw) {
    List<byte[]> log = new ArrayList<>();
    List<LogCommand> entry = new ArrayList<>();
    for (List<Integer> r : raw) {
      if (!entry.isEmpty() && r.get(1) % 2 == 0) {
        log.add(LogCommand.encodeEntry(entry));
        entry = new ArrayList<>();
      }
      entry.add(command(r));
    }
    log.add(LogCommand.encodeEntry(entry));
    return log;
  }

  record Result(StateStore.Digest digest, long fence, List<StateStore.Result> outcomes) {}

  static Result applyOnce(Path path, List<byte[]> log) throws Exception {
    List<StateStore.Result> outcomes = new ArrayList<>();
    try (StateStore store = StateStore.open(path, "n1", false)) {
      for (int i = 0; i < log.size(); i++) {
        store.applyCommitted(1, i + 1, LogCommand.decodeEntry(log.get(i)), List.of())
            .forEach(o -> outcomes.add(o.result()));
      }
      return new Result(store.digest(), store.fenceTerm(), outcomes);
    }
  }

  static Result applyWithCrashes(Path path, List<byte[]> log, List<Integer> crashPoints) throws Exception {
    List<StateStore.Result> outcomes = new ArrayList<>();
    StateStore store = StateStore.open(path, "n1", false);
    try {
      int next = 1;
      int crash = 0;
      while (next <= log.size()) {
        for (StateStore.Outcome o : store.applyCommitted(1, next, LogCommand.decodeEntry(log.get(next - 1)), List.of())) {
          if (o.result() != StateStore.Result.REPLAYED) {
            outcomes.add(o.result());
          }
        }
        next++;
        if (crash < crashPoints.size() && crashPoints.get(crash) % (log.size() + 1) == next - 1) {
          store.close();
          store = StateStore.open(path, "n1", false);
          next = (int) Math.max(1, store.appliedIndex() - crashPoints.get(crash) % 4); // replay a few
          crash++;
        }
      }
      return new Result(store.digest(), store.fenceTerm(), outcomes);
    } finally {
      store.close();
    }
  }

  @Test
  void crashesAndReplaysReachTheStateOfApplyingEachCommandOnce() {
    AtomicInteger run = new AtomicInteger();
    qt().withExamples(20).withShrinkCycles(10).forAll(
            lists().of(lists().of(integers().between(0, 40)).ofSizeBetween(2, 8)).ofSizeBetween(1, 40),
            lists().of(integers().between(0, 1000)).ofSizeBetween(0, 6))
        .checkAssert((raw, crashPoints) -> {
          List<byte[]> log = entries(raw);
          int n = run.incrementAndGet();
          try {
            Result once = applyOnce(dir.resolve("once-" + n), log);
            Result crashing = applyWithCrashes(dir.resolve("crash-" + n), log, crashPoints);
            assertThat(crashing).isEqualTo(once);
            assertThat(once.digest().appliedIndex()).isEqualTo(log.size());
          } catch (Exception e) {
            throw new AssertionError(e);
          } finally {
            try {
              AppliedLogPropertyTest.deleteTree(dir.resolve("once-" + n));
              AppliedLogPropertyTest.deleteTree(dir.resolve("crash-" + n));
            } catch (java.io.IOException ignored) {
              // the temp dir goes anyway
            }
          }
        });
  }
}

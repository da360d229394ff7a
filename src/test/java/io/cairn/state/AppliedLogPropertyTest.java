package io.cairn.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;

/**
 * The state machine's contract with the log (issue 11's foundation): applying a sequence of committed
 * entries with crashes in between (the store reopened from disk at random points) and replays from
 * earlier indices (as Raft replays from its last snapshot) gives exactly the state of applying each
 * entry once.
 */
@Timeout(120)
class AppliedLogPropertyTest {
  @TempDir
  Path dir;

  /**
   * One log entry over counters in a small key space: increments (not idempotent, so applying an
   * entry twice shows) and deletes (value < 0). Like every command of a state machine, its effect is
   * computed from the state it is applied to.
   */
  record Command(List<int[]> ops) {
    List<Mutation> mutations(StateStore store) throws RocksDBException {
      Map<String, Long> pending = new TreeMap<>();
      List<Mutation> out = new ArrayList<>();
      for (int[] op : ops) {
        String key = "k" + op[0];
        if (op[1] < 0) {
          pending.put(key, null);
          out.add(new Mutation.Delete(Table.CHUNK_REFS, key));
        } else {
          long current = pending.containsKey(key) ? (pending.get(key) == null ? 0 : pending.get(key))
              : store.<Long>get(Table.CHUNK_REFS, key).map(Entry::value).orElse(0L);
          pending.put(key, current + op[1]);
          out.add(new Mutation.Put(Table.CHUNK_REFS, key, current + op[1]));
        }
      }
      return out;
    }
  }

  static Map<String, Long> contents(StateStore store) {
    Map<String, Long> out = new TreeMap<>();
    store.<Long>scan(Table.CHUNK_REFS, "", null, Integer.MAX_VALUE, e -> true)
        .forEach(e -> out.put(e.key(), e.value()));
    return out;
  }

  @Test
  void crashesAndReplaysNeverApplyAnEntryTwiceOrLoseOne() {
    AtomicInteger run = new AtomicInteger();
    qt().withExamples(25).withShrinkCycles(20).forAll(
            lists().of(lists().of(integers().between(0, 15)).ofSizeBetween(2, 8)).ofSizeBetween(1, 40),
            lists().of(integers().between(0, 1000)).ofSizeBetween(0, 8))
        .checkAssert((raw, crashPoints) -> {
          List<Command> log = new ArrayList<>();
          for (List<Integer> r : raw) {
            List<int[]> ops = new ArrayList<>();
            for (int i = 0; i + 1 < r.size(); i += 2) {
              ops.add(new int[] {r.get(i), r.get(i + 1) % 5 == 0 ? -1 : r.get(i + 1)});
            }
            log.add(new Command(ops));
          }
          try {
            int n = run.incrementAndGet();
            Path once = dir.resolve("once-" + n);
            Path crashing = dir.resolve("crash-" + n);
            try {
              assertThat(applyWithCrashes(crashing, log, crashPoints)).isEqualTo(applyOnce(once, log));
            } finally {
              deleteTree(once);
              deleteTree(crashing);
            }
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
  }

  static void deleteTree(Path root) throws java.io.IOException {
    if (Files.exists(root)) {
      try (var walk = Files.walk(root)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  static Map<String, Long> applyOnce(Path path, List<Command> log) throws RocksDBException {
    try (StateStore store = StateStore.open(path, "n1", false)) {
      for (int i = 0; i < log.size(); i++) {
        store.applyCommitted(1, i + 1, LogCommand.of("n1", List.of()), log.get(i).mutations(store));
      }
      assertThat(store.appliedIndex()).isEqualTo(log.size());
      return contents(store);
    }
  }

  /**
   * At each crash point the store is closed and reopened (as after kill -9, the WAL replayed), and the
   * log is replayed from an earlier index, as Ratis does from its last snapshot.
   */
  static Map<String, Long> applyWithCrashes(Path path, List<Command> log, List<Integer> crashPoints)
      throws RocksDBException, java.io.IOException {
    Files.createDirectories(path);
    StateStore store = StateStore.open(path, "n1", false);
    try {
      int next = 1;
      int crash = 0;
      long highest = 0;
      while (next <= log.size()) {
        store.applyCommitted(1, next, LogCommand.of("n1", List.of()), log.get(next - 1).mutations(store)); // a replayed one must be skipped
        highest = Math.max(highest, next);
        next++;
        if (crash < crashPoints.size() && crashPoints.get(crash) % (log.size() + 1) == next - 1) {
          store.close();
          store = StateStore.open(path, "n1", false);
          long applied = store.appliedIndex();
          assertThat(applied).as("every applied entry survives the crash").isEqualTo(highest);
          next = (int) Math.max(1, applied - crashPoints.get(crash) % 5); // replay a few already applied
          crash++;
        }
      }
      assertThat(store.appliedIndex()).isEqualTo(log.size());
      return contents(store);
    } finally {
      store.close();
    }
  }
}

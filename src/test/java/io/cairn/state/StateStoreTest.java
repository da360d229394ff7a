package io.cairn.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.model.Event;
import io.cairn.model.Phase;
import io.cairn.model.WorkloadStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
  @TempDir
  Path dir;

  static WorkloadStatus status(String name, Phase phase) {
    return new WorkloadStatus(name, phase, 0, null, null, 1);
  }

  @Test
  void entriesAreVersionedDeletesAreTombstonesAndSurviveReopening() throws Exception {
    Version first;
    Version deleted;
    try (StateStore store = StateStore.open(dir, "n1", false)) {
      first = store.write(List.of(new Mutation.Put(Table.WORKLOAD_STATUS, "a", status("a", Phase.Running)),
          new Mutation.Put(Table.WORKLOAD_STATUS, "b", status("b", Phase.Pending))));
      Version second = store.write(List.of(new Mutation.Put(Table.WORKLOAD_STATUS, "a", status("a", Phase.Failed))));
      assertThat(second).isGreaterThan(first);
      Entry<WorkloadStatus> a = store.<WorkloadStatus>get(Table.WORKLOAD_STATUS, "a").orElseThrow();
      assertThat(a.value().phase()).isEqualTo(Phase.Failed);
      assertThat(a.version()).isEqualTo(second);
      assertThat(a.version().nodeId()).isEqualTo("n1");

      deleted = store.write(List.of(new Mutation.Delete(Table.WORKLOAD_STATUS, "b")));
      assertThat(store.get(Table.WORKLOAD_STATUS, "b")).isEmpty();
      assertThat(store.scan(Table.WORKLOAD_STATUS, "", null, 10, e -> true)).extracting(Entry::key).containsExactly("a");
      assertThat(store.count(Table.WORKLOAD_STATUS)).as("the tombstone is still stored").isEqualTo(2);
    }
    try (StateStore reopened = StateStore.open(dir, "n1", false)) {
      assertThat(reopened.<WorkloadStatus>get(Table.WORKLOAD_STATUS, "a").orElseThrow().value().phase())
          .isEqualTo(Phase.Failed);
      Version after = reopened.write(List.of(new Mutation.Put(Table.WORKLOAD_STATUS, "c", status("c", Phase.Pending))));
      assertThat(after).as("a reopened store never writes below what it wrote before").isGreaterThan(deleted);
      assertThat(reopened.purgeTombstones(Table.WORKLOAD_STATUS, System.currentTimeMillis() + 1)).isEqualTo(1);
      assertThat(reopened.count(Table.WORKLOAD_STATUS)).isEqualTo(2);
    }
  }

  @Test
  void scansPageInKeyOrderWithinAPrefix() throws Exception {
    try (StateStore store = StateStore.open(dir, "n1", false)) {
      for (String k : List.of("x-3", "x-1", "y-1", "x-2")) {
        store.write(List.of(new Mutation.Put(Table.EVENTS, k, Event.of("T", Event.Severity.Info, k, null, null, null))));
      }
      assertThat(store.scan(Table.EVENTS, "x-", null, 2, e -> true)).extracting(Entry::key).containsExactly("x-1", "x-2");
      assertThat(store.scan(Table.EVENTS, "x-", "x-2", 10, e -> true)).extracting(Entry::key).containsExactly("x-3");
      assertThat(store.lastKey(Table.EVENTS)).hasValue("y-1");
    }
  }

  @Test
  void theClockNeverGoesBackwardsEvenWhenTheWallClockDoes() {
    long[] wall = {1000};
    HybridClock clock = new HybridClock("n", () -> wall[0]);
    Version a = clock.now();
    wall[0] = 900;
    Version b = clock.now();
    Version c = clock.now();
    assertThat(b).isGreaterThan(a);
    assertThat(c).isGreaterThan(b);
    clock.observe(new Version(5000, 3, "other"));
    wall[0] = 1000;
    assertThat(clock.now()).isGreaterThan(new Version(5000, 3, "other"));
  }
}

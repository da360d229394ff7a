package io.cairn.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Event;
import io.cairn.testing.SmallDisk;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.rocksdb.RocksDBException;

/** A full disk refuses state writes cleanly (DISK_FULL), keeps what was written, and writes resume once space is back. */
@Timeout(60)
class StateStoreDiskFullTest {
  @Test
  void aFullDiskRefusesWritesKeepsEverythingAndRecovers() throws Exception {
    assumeTrue(SmallDisk.available(), "needs root to mount a small tmpfs");
    try (SmallDisk disk = SmallDisk.mount(32)) {
      StateStore store = StateStore.open(disk.path().resolve("state"), "n1", true);
      try {
        for (int i = 0; i < 50; i++) {
          store.write(List.of(new Mutation.Put(Table.EVENTS, "before-" + i,
              Event.of("T", Event.Severity.Info, null, null, "x".repeat(1000), null))));
        }
        disk.fill();
        List<Exception> failures = new ArrayList<>();
        for (int i = 0; i < 200 && failures.isEmpty(); i++) {
          try {
            store.write(List.of(new Mutation.Put(Table.EVENTS, "during-" + i,
                Event.of("T", Event.Severity.Info, null, null, "y".repeat(100_000), null))));
          } catch (RocksDBException e) {
            failures.add(e);
          }
        }
        assertThat(failures).as("a write fails once the disk is full").isNotEmpty();
        assertThat(CairnException.from(failures.get(0)).code()).as(String.valueOf(failures.get(0).getMessage()))
            .isEqualTo(ErrorCode.DISK_FULL);
        assertThat(store.<Event>get(Table.EVENTS, "before-49")).isPresent();

        disk.free();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          store.write(List.of(new Mutation.Put(Table.EVENTS, "after", Event.of("T", Event.Severity.Info, null, null,
              "back", null))));
          return true;
        });
        assertThat(store.<Event>get(Table.EVENTS, "after")).isPresent();
        assertThat(store.<Event>get(Table.EVENTS, "before-0")).isPresent();
      } finally {
        store.close();
      }
    }
  }
}

package io.cairn.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.model.Phase;
import io.cairn.model.WorkloadStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log commands: expectations, fencing, resource versions, the digest and snapshot export/import. */
class ControlCommandsTest {
  @TempDir
  Path dir;

  static Mutation put(String name, Phase phase) {
    return new Mutation.Put(Table.WORKLOAD_STATUS, name, new WorkloadStatus(name, phase, 0, null, null, 1));
  }

  static LogCommand command(long fenceTerm, List<LogCommand.Expect> expect, Mutation... mutations) {
    return new LogCommand("n1", 1_000, fenceTerm, expect, List.of(mutations));
  }

  @Test
  void commandsSurviveTheirEncodingAndCarryTheirIndexAsResourceVersion() throws Exception {
    LogCommand sent = command(3, List.of(new LogCommand.Expect(Table.WORKLOADS, "w", 7)), put("a", Phase.Running),
        new Mutation.Delete(Table.INSTANCES, "a-0"));
    assertThat(LogCommand.decode(sent.encode())).isEqualTo(sent);
    try (StateStore store = StateStore.open(dir.resolve("s"), "n1", false)) {
      store.applyCommitted(2, 5, command(0, List.of(), put("a", Phase.Running)), List.of());
      assertThat(store.get(Table.WORKLOAD_STATUS, "a").orElseThrow().logIndex()).isEqualTo(5);
      assertThat(store.applied()).isEqualTo(new StateStore.Applied(2, 5));
    }
  }

  @Test
  void aStaleExpectationIsAConflictThatWritesNothingButTheIndex() throws Exception {
    try (StateStore store = StateStore.open(dir.resolve("s"), "n1", false)) {
      store.applyCommitted(1, 1, command(0, List.of(), put("a", Phase.Running)), List.of());
      StateStore.Outcome stale = store.applyCommitted(1, 2, command(0,
          List.of(new LogCommand.Expect(Table.WORKLOAD_STATUS, "a", 0)), put("a", Phase.Failed)), List.of());
      assertThat(stale.result()).isEqualTo(StateStore.Result.CONFLICT);
      assertThat(stale.reason()).contains("resourceVersion 1, not 0");
      assertThat(store.<WorkloadStatus>get(Table.WORKLOAD_STATUS, "a").orElseThrow().value().phase()).isEqualTo(Phase.Running);
      assertThat(store.appliedIndex()).isEqualTo(2);
      StateStore.Outcome current = store.applyCommitted(1, 3, command(0,
          List.of(new LogCommand.Expect(Table.WORKLOAD_STATUS, "a", 1)), put("a", Phase.Failed)), List.of());
      assertThat(current.result()).isEqualTo(StateStore.Result.APPLIED);
      assertThat(store.<WorkloadStatus>get(Table.WORKLOAD_STATUS, "a").orElseThrow().value().phase()).isEqualTo(Phase.Failed);
    }
  }

  @Test
  void commandsSharingOneLogEntryApplyInOrderEachSeeingTheOnesBefore() throws Exception {
    LogCommand create = command(0, List.of(new LogCommand.Expect(Table.WORKLOAD_STATUS, "a", 0)), put("a", Phase.Pending));
    // decided on the state before the entry: "a" did not exist, so this one lost the race to create
    LogCommand secondCreate = command(0, List.of(new LogCommand.Expect(Table.WORKLOAD_STATUS, "a", 0)),
        put("a", Phase.Failed));
    LogCommand fenced = command(2, List.of(), put("b", Phase.Running));
    LogCommand raisesFence = command(5, List.of(), put("c", Phase.Running));
    LogCommand fencedAfter = command(4, List.of(), put("d", Phase.Running));
    List<LogCommand> entry = List.of(create, secondCreate, raisesFence, fencedAfter);
    assertThat(LogCommand.decodeEntry(LogCommand.encodeEntry(entry))).isEqualTo(entry);
    assertThat(LogCommand.decodeEntry(LogCommand.encodeEntry(List.of(create)))).containsExactly(create);
    try (StateStore store = StateStore.open(dir.resolve("s"), "n1", false)) {
      store.applyCommitted(3, 1, command(3, List.of(), put("x", Phase.Running)), List.of());
      assertThat(store.applyCommitted(3, 2, List.of(fenced), List.of()).get(0).result())
          .isEqualTo(StateStore.Result.FENCED);
      List<StateStore.Outcome> outcomes = store.applyCommitted(5, 3, entry, List.of());
      assertThat(outcomes).extracting(StateStore.Outcome::result).containsExactly(StateStore.Result.APPLIED,
          StateStore.Result.CONFLICT, StateStore.Result.APPLIED, StateStore.Result.FENCED);
      assertThat(outcomes.get(1).reason()).contains("resourceVersion 3, not 0");
      assertThat(store.<WorkloadStatus>get(Table.WORKLOAD_STATUS, "a").orElseThrow().value().phase())
          .isEqualTo(Phase.Pending);
      assertThat(store.get(Table.WORKLOAD_STATUS, "a").orElseThrow().logIndex()).isEqualTo(3);
      assertThat(store.get(Table.WORKLOAD_STATUS, "d")).isEmpty();
      assertThat(store.fenceTerm()).isEqualTo(5);
      // the same entry again (a replay after restart) changes nothing
      assertThat(store.applyCommitted(5, 3, entry, List.of())).extracting(StateStore.Outcome::result)
          .containsOnly(StateStore.Result.REPLAYED);
      assertThat(store.appliedIndex()).isEqualTo(3);
    }
  }

  @Test
  void aCommandFromAnOlderLeaderTermIsFenced() throws Exception {
    try (StateStore store = StateStore.open(dir.resolve("s"), "n1", false)) {
      assertThat(store.applyCommitted(4, 1, command(4, List.of(), put("a", Phase.Running)), List.of()).result())
          .isEqualTo(StateStore.Result.APPLIED);
      StateStore.Outcome old = store.applyCommitted(4, 2, command(3, List.of(), put("a", Phase.Failed)), List.of());
      assertThat(old.result()).isEqualTo(StateStore.Result.FENCED);
      assertThat(store.<WorkloadStatus>get(Table.WORKLOAD_STATUS, "a").orElseThrow().value().phase()).isEqualTo(Phase.Running);
      assertThat(store.fenceTerm()).isEqualTo(4);
    }
  }

  /**
   * A forged command (any Ratis client on the Raft port can propose one) with a fence term above every
   * real term once stopped all placement for good. The term of the entry carrying it is in the log,
   * so every node refuses it the same way, and the fence stays where the leaders put it.
   */
  @Test
  void aFenceTermAboveItsEntrysTermIsRefusedEverywhereAndDoesNotRaiseTheFence() throws Exception {
    try (StateStore store = StateStore.open(dir.resolve("s"), "n1", false)) {
      assertThat(store.applyCommitted(3, 1, command(3, List.of(), put("a", Phase.Running)), List.of()).result())
          .isEqualTo(StateStore.Result.APPLIED);
      StateStore.Outcome forged = store.applyCommitted(3, 2, command(Long.MAX_VALUE, List.of(), put("a", Phase.Failed)),
          List.of());
      assertThat(forged.result()).isEqualTo(StateStore.Result.REFUSED);
      assertThat(forged.version()).isNull();
      assertThat(forged.reason()).contains("fence term " + Long.MAX_VALUE).contains("term 3 of its log entry");
      assertThat(store.fenceTerm()).as("the fence stays where the leader of term 3 put it").isEqualTo(3);
      assertThat(store.<WorkloadStatus>get(Table.WORKLOAD_STATUS, "a").orElseThrow().value().phase()).isEqualTo(Phase.Running);
      assertThat(store.appliedIndex()).isEqualTo(2);

      // honest commands still fence: the next leader places, and the deposed one is refused
      assertThat(store.applyCommitted(4, 3, command(4, List.of(), put("b", Phase.Running)), List.of()).result())
          .isEqualTo(StateStore.Result.APPLIED);
      assertThat(store.applyCommitted(4, 4, command(3, List.of(), put("c", Phase.Running)), List.of()).result())
          .isEqualTo(StateStore.Result.FENCED);
      // a command proposed under term 4 that a leader of term 6 appended is honest
      List<StateStore.Outcome> entry = store.applyCommitted(6, 5, List.of(command(7, List.of(), put("d", Phase.Running)),
          command(4, List.of(), put("e", Phase.Running)), command(0, List.of(), put("f", Phase.Running))), List.of());
      assertThat(entry).extracting(StateStore.Outcome::result).containsExactly(StateStore.Result.REFUSED,
          StateStore.Result.APPLIED, StateStore.Result.APPLIED);
      assertThat(store.get(Table.WORKLOAD_STATUS, "d")).isEmpty();
      assertThat(store.fenceTerm()).isEqualTo(4);
      // the single-node log applies at term 0, where no command is fenced
      assertThat(store.applyCommitted(0, 6, command(0, List.of(), put("g", Phase.Running)), List.of()).result())
          .isEqualTo(StateStore.Result.APPLIED);
      assertThat(store.applyCommitted(6, 5, List.of(command(7, List.of(), put("d", Phase.Running))), List.of()))
          .extracting(StateStore.Outcome::result).containsExactly(StateStore.Result.REPLAYED);
    }
  }

  /** Only the storage component writes node-local tables: a log entry that writes one was not written by us. */
  @Test
  void aCommandWritingANodeLocalTableDoesNotDecode() throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      out.writeByte(1); // format
      out.writeUTF("n1");
      out.writeLong(1_000);
      out.writeLong(0);
      out.writeInt(0); // no expectations
      out.writeInt(1);
      out.writeByte(1); // a delete
      out.writeUTF(Table.EVENTS.columnFamily());
      out.writeUTF("a-member");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LogCommand.decode(bytes.toByteArray()))
        .isInstanceOf(java.io.IOException.class).hasMessageContaining("node-local");
    assertThat(LogCommand.decode(command(0, List.of(), new Mutation.Delete(Table.NODES, "a-member")).encode()).mutations())
        .hasSize(1);
  }

  @Test
  void aSnapshotCarriesReplicatedTablesOnlyAndEqualStatesHaveEqualDigests() throws Exception {
    Path snapshot = dir.resolve("snapshot");
    StateStore.Digest sourceDigest;
    try (StateStore source = StateStore.open(dir.resolve("a"), "n1", false)) {
      source.applyCommitted(1, 1, command(0, List.of(), put("a", Phase.Running), put("b", Phase.Pending)), List.of());
      source.applyCommitted(1, 2, command(0, List.of(), new Mutation.Delete(Table.WORKLOAD_STATUS, "b")), List.of());
      source.write(List.of(new Mutation.Put(Table.CHUNK_REFS, "h1", 1L)));
      assertThat(source.exportReplicated(snapshot)).isEqualTo(new StateStore.Applied(1, 2));
      sourceDigest = source.digest();
    }
    try (StateStore target = StateStore.open(dir.resolve("b"), "n2", false)) {
      target.applyCommitted(1, 1, command(0, List.of(), put("stale", Phase.Failed)), List.of());
      target.write(List.of(new Mutation.Put(Table.CHUNK_REFS, "mine", 2L)));
      assertThat(target.digest().sha256()).isNotEqualTo(sourceDigest.sha256());
      target.importReplicated(snapshot);
      assertThat(target.digest()).isEqualTo(sourceDigest);
      assertThat(target.get(Table.WORKLOAD_STATUS, "stale")).isEmpty();
      assertThat(target.get(Table.WORKLOAD_STATUS, "a")).isPresent();
      assertThat(target.<Long>get(Table.CHUNK_REFS, "mine").orElseThrow().value()).as("node-local data stays").isEqualTo(2L);
      assertThat(target.get(Table.CHUNK_REFS, "h1")).as("the source's node-local data does not travel").isEmpty();
      assertThat(target.appliedIndex()).isEqualTo(2);
    }
  }
}

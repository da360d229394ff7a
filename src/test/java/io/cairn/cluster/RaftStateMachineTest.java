package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.bus.Bus;
import io.cairn.events.EventTypes;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Event;
import io.cairn.state.LogCommand;
import io.cairn.state.Mutation;
import io.cairn.state.StateStore;
import io.cairn.state.Table;
import io.cairn.storage.CommandApplier;
import io.cairn.storage.StorageBus;
import io.cairn.testing.SmallDisk;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the state machine does with entries it cannot decode (refuses them on the leader, skips a
 * committed one the same way everywhere) and with a store it cannot write (stops applying for good).
 */
@Timeout(120)
class RaftStateMachineTest {
  @TempDir
  Path dir;

  Vertx vertx;
  /** What the storage component was asked to record, and the stop notices readiness listens to. */
  final List<Event> recorded = new CopyOnWriteArrayList<>();
  final List<StorageBus.ApplyStopped> stops = new CopyOnWriteArrayList<>();

  @BeforeEach
  void bus() {
    vertx = Vertx.vertx();
    Bus.registerCodecs(vertx, StorageBus.MESSAGE_TYPES);
    vertx.eventBus().<StorageBus.ApplyStopped>consumer(StorageBus.APPLY_STOPPED, m -> stops.add(m.body()));
    vertx.eventBus().<StorageBus.Write>consumer(StorageBus.WRITE, m -> {
      recorded.addAll(m.body().events());
      m.reply(new StorageBus.Written(null, 0));
    });
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void theLeaderRefusesAProposedEntryThatDoesNotDecode() throws Exception {
    try (StateStore store = StateStore.open(dir.resolve("state"), "n1", false)) {
      // a leader of the highest term: only decoding decides here (fence terms are checked below)
      RaftStateMachine machine = new RaftStateMachine(new CommandApplier(store, vertx), () -> Long.MAX_VALUE);
      byte[] valid = LogCommand.encodeEntry(List.of(node("a", 10), node("b", 10)));
      byte[] trailing = java.util.Arrays.copyOf(valid, valid.length + 1);
      byte[] wrongType = LogCommand.of("n1", List.of(new Mutation.Put(Table.NODES, "a", "not a node record"))).encode();
      List<byte[]> garbage = new ArrayList<>(List.of(new byte[0], "not a command".getBytes(), claiming(Integer.MAX_VALUE),
          claiming(-1), trailing, wrongType));
      for (byte[] g : garbage) {
        TransactionContext trx = machine.startTransaction(request(g));
        assertThat(trx.getException()).as(HexFormat.of().formatHex(g, 0, Math.min(g.length, 64)))
            .isInstanceOf(RefusedEntryException.class).hasMessageContaining("nothing was written");
      }
      long seed = System.nanoTime();
      Random random = new Random(seed);
      for (int i = 0; i < 500; i++) {
        byte[] g = new byte[random.nextInt(80)];
        random.nextBytes(g);
        if (i % 2 == 0 && g.length > 0) {
          g[0] = (byte) (1 + random.nextInt(2)); // a known format byte: the decoder gets further
        }
        boolean decodes;
        try {
          LogCommand.decodeEntry(g);
          decodes = true;
        } catch (Exception e) {
          decodes = false;
        }
        assertThat(machine.startTransaction(request(g)).getException() == null).as("seed " + seed + ", entry " + i)
            .isEqualTo(decodes);
      }
      assertThat(machine.startTransaction(request(valid)).getException()).isNull();
    }
  }

  @Test
  void aCommittedEntryThatDoesNotDecodeIsSkippedAndTheLogGoesOn() throws Exception {
    try (StateStore store = StateStore.open(dir.resolve("state"), "n1", false)) {
      CommandApplier applier = new CommandApplier(store, vertx);
      RaftStateMachine machine = new RaftStateMachine(applier);
      assertThat(machine.applyTransaction(committed(machine, 1, 1, LogCommand.encodeEntry(List.of(node("a", 10)))))
          .get(5, TimeUnit.SECONDS).getContent().toStringUtf8()).isEqualTo("APPLIED\n");

      byte[] garbage = "written by some other version".getBytes();
      assertThat(machine.applyTransaction(committed(machine, 1, 2, garbage)).get(5, TimeUnit.SECONDS)).isNotNull();
      assertThat(store.appliedIndex()).as("the index moves on, with no effect").isEqualTo(2);
      assertThat(machine.getLastAppliedTermIndex().getIndex()).isEqualTo(2);
      assertThat(applier.awaitApplied(2)).isCompleted();
      await().atMost(Duration.ofSeconds(5)).until(() -> !recorded.isEmpty());
      assertThat(recorded).singleElement().satisfies(e -> {
        assertThat(e.type()).isEqualTo(EventTypes.LOG_ENTRY_SKIPPED);
        assertThat(e.reason()).contains("log index 2").contains("unknown log command format");
      });

      assertThat(machine.applyTransaction(committed(machine, 1, 3, LogCommand.encodeEntry(List.of(node("b", 10)))))
          .get(5, TimeUnit.SECONDS).getContent().toStringUtf8()).isEqualTo("APPLIED\n");
      assertThat(store.appliedIndex()).isEqualTo(3);
      assertThat(store.<NodeRecord>get(Table.NODES, "b")).isPresent();

      // after a restart Ratis replays from its snapshot: the skipped entry changes and records nothing again
      RaftStateMachine restarted = new RaftStateMachine(applier);
      restarted.applyTransaction(committed(restarted, 1, 2, garbage)).get(5, TimeUnit.SECONDS);
      assertThat(store.appliedIndex()).isEqualTo(3);
      restarted.applyTransaction(committed(restarted, 1, 4, garbage)).get(5, TimeUnit.SECONDS);
      assertThat(store.appliedIndex()).isEqualTo(4);
      // the bus keeps one sender's order: once index 4's event is here, a replayed one would be too
      await().atMost(Duration.ofSeconds(5)).until(() -> recorded.size() >= 2);
      assertThat(recorded).extracting(Event::reason).satisfiesExactly(r -> assertThat(r).contains("log index 2"),
          r -> assertThat(r).contains("log index 4"));
    }
  }

  @Test
  void theLeaderRefusesAProposedCommandWithAFenceTermAboveItsOwnTerm() throws Exception {
    try (StateStore store = StateStore.open(dir.resolve("state"), "n1", false)) {
      RaftStateMachine machine = new RaftStateMachine(new CommandApplier(store, vertx), () -> 4);
      for (List<LogCommand> refused : List.of(List.of(fenced(5)), List.of(fenced(Long.MAX_VALUE)),
          List.of(fenced(4), fenced(0), fenced(5)))) {
        TransactionContext trx = machine.startTransaction(request(LogCommand.encodeEntry(refused)));
        assertThat(trx.getException()).isInstanceOf(FenceAboveTermException.class)
            .isInstanceOf(RefusedEntryException.class).hasMessageContaining("above this leader's term 4")
            .hasMessageContaining("nothing was written");
      }
      for (List<LogCommand> honest : List.of(List.of(fenced(4)), List.of(fenced(0)), List.of(fenced(3), fenced(4)))) {
        assertThat(machine.startTransaction(request(LogCommand.encodeEntry(honest))).getException()).isNull();
      }
    }
  }

  @Test
  void aCommittedCommandWithAFenceTermAboveItsEntrysTermIsSkippedWithoutRaisingTheFence() throws Exception {
    try (StateStore store = StateStore.open(dir.resolve("state"), "n1", false)) {
      CommandApplier applier = new CommandApplier(store, vertx);
      RaftStateMachine machine = new RaftStateMachine(applier);
      assertThat(machine.applyTransaction(committed(machine, 2, 1, LogCommand.encodeEntry(List.of(fenced(2)))))
          .get(5, TimeUnit.SECONDS).getContent().toStringUtf8()).isEqualTo("APPLIED\n");
      String reply = machine.applyTransaction(committed(machine, 2, 2, LogCommand.encodeEntry(
          List.of(fenced(Long.MAX_VALUE), node("after-forged", 1))))).get(5, TimeUnit.SECONDS).getContent().toStringUtf8();
      assertThat(reply).startsWith("REFUSED\t").contains("above the term 2 of its log entry").endsWith("APPLIED\n");
      assertThat(RaftStateMachine.outcomes(Message.valueOf(reply), List.of(fenced(Long.MAX_VALUE), node("x", 1))))
          .extracting(StateStore.Outcome::result).containsExactly(StateStore.Result.REFUSED, StateStore.Result.APPLIED);
      assertThat(store.fenceTerm()).isEqualTo(2);
      assertThat(store.appliedIndex()).isEqualTo(2);
      assertThat(store.<NodeRecord>get(Table.NODES, "after-forged")).as("the command beside it applies").isPresent();
      await().atMost(Duration.ofSeconds(5)).until(() -> !recorded.isEmpty());
      assertThat(recorded).singleElement().satisfies(e -> {
        assertThat(e.type()).isEqualTo(EventTypes.LOG_ENTRY_SKIPPED);
        assertThat(e.reason()).contains("log index 2").contains("command 1 of 2").contains("fence term " + Long.MAX_VALUE);
      });
      // the next leader's placements still apply and fence
      assertThat(machine.applyTransaction(committed(machine, 3, 3, LogCommand.encodeEntry(List.of(fenced(3)))))
          .get(5, TimeUnit.SECONDS).getContent().toStringUtf8()).isEqualTo("APPLIED\n");
      assertThat(store.fenceTerm()).isEqualTo(3);
    }
  }

  /** A placement-like write under {@code fenceTerm}. */
  static LogCommand fenced(long fenceTerm) {
    LogCommand plain = node("placed-" + fenceTerm, 1);
    return new LogCommand(plain.proposer(), plain.wallMillis(), fenceTerm, List.of(), plain.mutations());
  }

  /**
   * A real one-server Raft group (this node's RaftNode) whose state store sits on a small disk that
   * fills up: the entry that cannot be written stops this node applying, for good, even once the
   * disk has room again (a node that went on would serve a state missing that entry).
   */
  @Test
  void aStoreThatCannotBeWrittenStopsApplyingForGood() throws Exception {
    assumeTrue(SmallDisk.available(), "needs root to mount a small tmpfs");
    try (SmallDisk disk = SmallDisk.mount(32); StateStore store = StateStore.open(disk.path().resolve("state"), "n1", true)) {
      CommandApplier applier = new CommandApplier(store, vertx);
      int port = freePort();
      RaftNode raft = new RaftNode("n1", dir.resolve("raft"), "127.0.0.1", port, Duration.ofSeconds(3), 10_000,
          new SimpleMeterRegistry());
      io.cairn.storage.ControlLog log = raft.attach(applier);
      raft.format(List.of(RaftNode.peer("n1", "127.0.0.1:" + port, false)));
      try {
        assertThat(log.append(node("before", 1000), List.of()).get(20, TimeUnit.SECONDS).outcome().result())
            .isEqualTo(StateStore.Result.APPLIED);
        disk.fill();
        Throwable failed = null;
        for (int i = 0; i < 200 && failed == null; i++) {
          try {
            log.append(node("during-" + i, 100_000), List.of()).get(20, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            failed = e.getCause();
          }
        }
        assertThat(failed).as("a write fails once the disk is full").isInstanceOf(CairnException.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> !stops.isEmpty());
        StorageBus.ApplyStopped stop = stops.get(0);
        assertThat(stop.reason()).contains("writing the state store failed");
        long applied = store.appliedIndex();
        assertThat(applied).isLessThan(stop.index());

        disk.free();
        assertThatThrownBy(() -> log.append(node("after", 10), List.of()).get(20, TimeUnit.SECONDS))
            .hasCauseInstanceOf(CairnException.class);
        assertThat(store.appliedIndex()).as("nothing applied after the stop").isEqualTo(applied);
        assertThat(store.<NodeRecord>get(Table.NODES, "after")).isEmpty();
        assertThat(applier.awaitApplied(applied + 1)).failsWithin(Duration.ofSeconds(1))
            .withThrowableOfType(ExecutionException.class).havingCause().isInstanceOfSatisfying(CairnException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(stops).hasSize(1);
      } finally {
        raft.close();
      }
    }
  }

  static LogCommand node(String id, int reasonChars) {
    NodeRecord record = new NodeRecord(id, id, NodeRecord.State.Ready, true, Map.of(),
        new NodeRecord.Addresses("a", "s", "c", "r"), new NodeRecord.Capacity(1, 1, 1), "test", 1, 1,
        "x".repeat(reasonChars));
    return LogCommand.of("n1", List.of(new Mutation.Put(Table.NODES, id, record)));
  }

  /** A command whose expectation count claims {@code n}: a decoder that trusts it allocates gigabytes. */
  static byte[] claiming(int n) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeUTF("n1");
      out.writeLong(0);
      out.writeLong(0);
      out.writeInt(n);
    }
    return bytes.toByteArray();
  }

  static RaftClientRequest request(byte[] data) {
    return RaftClientRequest.newBuilder().setClientId(ClientId.randomId()).setServerId(RaftPeerId.valueOf("n1"))
        .setGroupId(RaftNode.GROUP).setCallId(1).setMessage(Message.valueOf(ByteString.copyFrom(data)))
        .setType(RaftClientRequest.writeRequestType()).build();
  }

  /** A committed entry as a follower gets it from Ratis. */
  static TransactionContext committed(RaftStateMachine machine, long term, long index, byte[] data) {
    LogEntryProto entry = LogEntryProto.newBuilder().setTerm(term).setIndex(index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(ByteString.copyFrom(data))
            .setClientId(ClientId.randomId().toByteString()).setCallId(index))
        .build();
    return TransactionContext.newBuilder().setStateMachine(machine).setLogEntry(entry)
        .setServerRole(RaftPeerRole.FOLLOWER).build();
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}

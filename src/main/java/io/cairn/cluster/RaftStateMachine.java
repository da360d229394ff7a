package io.cairn.cluster;

import io.cairn.state.LogCommand;
import io.cairn.state.StateStore;
import io.cairn.storage.CommandApplier;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ratis's view of the node's state store. Each committed entry is applied through the shared
 * {@link CommandApplier} (effects and log position in one RocksDB batch, replays skipped). A
 * snapshot is a file of the replicated tables taken at one consistent point; a server that is far
 * behind or new receives it from the leader and installs it, then replays the log after it.
 */
final class RaftStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(RaftStateMachine.class);

  private final SimpleStateMachineStorage snapshots = new SimpleStateMachineStorage();
  private final CommandApplier applier;
  /** This member's current Raft term; null: asked of the Raft server it runs in. */
  private final LongSupplier currentTerm;

  RaftStateMachine(CommandApplier applier) {
    this(applier, null);
  }

  /** {@code currentTerm}: the term {@link #startTransaction} holds proposals to (tests give their own). */
  RaftStateMachine(CommandApplier applier, LongSupplier currentTerm) {
    this.applier = applier;
    this.currentTerm = currentTerm;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    snapshots.init(raftStorage);
    load(snapshots.getLatestSnapshot());
  }

  /** Ratis pauses the machine before it installs a snapshot it received and asserts it is PAUSED. */
  @Override
  public void pause() {
    LifeCycle lifeCycle = getLifeCycle();
    // Ratis never moves a BaseStateMachine out of NEW by itself
    if (lifeCycle.getCurrentState() == LifeCycle.State.NEW) {
      lifeCycle.transition(LifeCycle.State.STARTING);
    }
    if (lifeCycle.getCurrentState() == LifeCycle.State.STARTING) {
      lifeCycle.transition(LifeCycle.State.RUNNING);
    }
    if (lifeCycle.getCurrentState() == LifeCycle.State.RUNNING) {
      lifeCycle.transition(LifeCycle.State.PAUSING);
      lifeCycle.transition(LifeCycle.State.PAUSED);
    }
  }

  /** After a snapshot install: load it, then run again. */
  @Override
  public void reinitialize() throws IOException {
    load(snapshots.loadLatestSnapshot());
    LifeCycle lifeCycle = getLifeCycle();
    if (lifeCycle.getCurrentState() == LifeCycle.State.PAUSED) {
      lifeCycle.transition(LifeCycle.State.STARTING);
      lifeCycle.transition(LifeCycle.State.RUNNING);
    }
  }

  /** Installs the snapshot's tables when the store is behind it (a new server, or one that was far behind). */
  private void load(SingleFileSnapshotInfo snapshot) throws IOException {
    if (snapshot == null) {
      return;
    }
    Path file = snapshot.getFile().getPath();
    if (!Files.exists(file)) {
      LOG.warn("snapshot file {} is missing", file);
      return;
    }
    if (snapshot.getFile().getFileDigest() != null) {
      MD5FileUtil.verifySavedMD5(file.toFile(), snapshot.getFile().getFileDigest());
    }
    try {
      StateStore store = applier.store();
      if (store.appliedIndex() < snapshot.getIndex()) {
        StateStore.Applied installed = store.importReplicated(file);
        LOG.info("installed state snapshot at index {} (term {})", installed.index(), installed.term());
        applier.installed(installed.index());
      }
    } catch (org.rocksdb.RocksDBException e) {
      throw new IOException("installing snapshot " + file + " failed: " + e.getMessage(), e);
    }
    setLastAppliedTermIndex(snapshot.getTermIndex());
  }

  @Override
  public SimpleStateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public long takeSnapshot() throws IOException {
    // a name Ratis's snapshot file pattern does not match, in the same directory (atomic rename)
    Path partial = snapshots.getSnapshotFile(0, 0).toPath().resolveSibling("partial-snapshot");
    try {
      StateStore.Applied at = applier.store().exportReplicated(partial);
      if (at.index() == 0) {
        Files.deleteIfExists(partial);
        return org.apache.ratis.server.raftlog.RaftLog.INVALID_LOG_INDEX;
      }
      File target = snapshots.getSnapshotFile(at.term(), at.index());
      Files.move(partial, target.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      var md5 = MD5FileUtil.computeAndSaveMd5ForFile(target);
      // Ratis writes the digest file under the process umask
      io.cairn.node.PrivateFiles.restrict(MD5FileUtil.getDigestFileForFile(target).toPath());
      snapshots.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5),
          TermIndex.valueOf(at.term(), at.index())));
      LOG.info("took state snapshot at index {}", at.index());
      return at.index();
    } catch (org.rocksdb.RocksDBException e) {
      throw new IOException("snapshot failed: " + e.getMessage(), e);
    }
  }

  /**
   * On the leader, before an entry is proposed: one that does not decode as our commands, or with a
   * command whose fence term is above this leader's term, is refused (the client gets a
   * StateMachineException caused by {@link RefusedEntryException}) and never reaches the log. Any
   * Ratis client that reaches the Raft port can propose; an honest proposer's fence term is a term
   * it held as leader, never above the term of the leader that takes its entry. The decoded
   * commands ride along, so the leader does not decode them again when it applies the entry.
   * Committed entries are checked again when applied ({@link StateStore#applyCommitted}): this
   * check keeps the log clean, that one decides.
   */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext trx = super.startTransaction(request);
    List<LogCommand> commands;
    try {
      commands = LogCommand.decodeEntry(request.getMessage().getContent().toByteArray());
    } catch (IOException | RuntimeException e) {
      LOG.warn("refused a proposed log entry from client {}: it does not decode ({})", request.getClientId(),
          e.getMessage());
      trx.setException(new RefusedEntryException("log entry refused: it does not decode as Cairn log commands ("
          + e.getMessage() + "); nothing was written"));
      return trx;
    }
    long term = currentTerm();
    for (int i = 0; i < commands.size(); i++) {
      long fence = commands.get(i).fenceTerm();
      if (fence > term) {
        LOG.warn("refused a proposed log entry from client {}: command {} of {} carries fence term {}, above this "
            + "leader's term {}", request.getClientId(), i + 1, commands.size(), fence, term);
        trx.setException(new FenceAboveTermException("log entry refused: command " + (i + 1) + " of "
            + commands.size() + " carries fence term " + fence + ", above this leader's term " + term
            + " (no leader proposes under a term it does not hold); nothing was written"));
        return trx;
      }
    }
    trx.setStateMachineContext(new Decoded(commands));
    return trx;
  }

  private long currentTerm() throws IOException {
    if (currentTerm != null) {
      return currentTerm.getAsLong();
    }
    RaftServer server = getServer().getNow(null);
    if (server == null) {
      throw new IOException("the state machine is not initialized");
    }
    return server.getDivision(getGroupId()).getInfo().getCurrentTerm();
  }

  /** The commands of an entry this leader proposed, decoded once in {@link #startTransaction}. */
  private record Decoded(List<LogCommand> commands) {}

  /**
   * Applies a committed entry. One that does not decode (only an older version or corruption can have
   * put it there, since the leader refuses such proposals) is skipped the same way on every node. If
   * the store cannot be written this node must not go on: a node that skipped an entry others applied
   * would serve a state that diverged. Ratis treats an exception thrown here (not a failed future,
   * after which it applies the next entry) as unrecoverable: it stops this member's state machine
   * updater and shuts the member down. Readiness goes down with it ({@link CommandApplier#stop}).
   */
  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long term = entry.getTerm();
    long index = entry.getIndex();
    List<LogCommand> commands;
    try {
      commands = trx.getStateMachineContext() instanceof Decoded d ? d.commands()
          : LogCommand.decodeEntry(entry.getStateMachineLogEntry().getLogData().toByteArray());
    } catch (IOException | RuntimeException e) {
      return skip(term, index, e);
    }
    List<StateStore.Outcome> outcomes;
    try {
      outcomes = applier.apply(term, index, commands);
    } catch (Exception e) {
      throw stop(index, e);
    }
    updateLastAppliedTermIndex(term, index);
    // one line per command: its result, a tab and the reason when there is one
    StringBuilder reply = new StringBuilder();
    for (StateStore.Outcome o : outcomes) {
      reply.append(o.result().name());
      if (o.reason() != null) {
        reply.append('\t').append(o.reason().replace('\n', ' '));
      }
      reply.append('\n');
    }
    return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFromUtf8(reply.toString())));
  }

  /** Completes (no outcomes): Ratis then counts the index as applied, as it does on every other node. */
  private CompletableFuture<Message> skip(long term, long index, Exception undecodable) {
    LOG.warn("log entry {} (term {}) does not decode ({}): skipped, as on every node; it changes nothing", index, term,
        undecodable.getMessage());
    try {
      applier.skipUndecodable(term, index, String.valueOf(undecodable.getMessage()));
    } catch (Exception e) {
      throw stop(index, e);
    }
    updateLastAppliedTermIndex(term, index);
    return CompletableFuture.completedFuture(Message.EMPTY);
  }

  private IllegalStateException stop(long index, Exception cause) {
    String reason = (cause instanceof org.rocksdb.RocksDBException ? "writing the state store failed: " : "")
        + cause.getClass().getSimpleName() + ": " + cause.getMessage();
    LOG.error("applying log entry {} failed ({}); this node stops applying the log: its Raft member shuts down, "
        + "reads here show the state before that entry and readiness is DOWN; restart the node once its data dir works",
        index, reason, cause);
    applier.stop(index, reason);
    return new IllegalStateException("log entry " + index + " could not be applied: " + reason, cause);
  }

  /**
   * A linearizable read point: Ratis runs this on the leader once it has confirmed its leadership
   * and applied up to the read index; the reply is the index the caller must have applied.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    try {
      return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFromUtf8(
          Long.toString(applier.store().appliedIndex()))));
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Entries without a command (leader no-ops, configuration) still advance the applied index. */
  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || index > last.getIndex()) {
      updateLastAppliedTermIndex(term, index);
    }
    applier.skipped(index);
  }

  /** Decodes what {@link #applyTransaction} replied: one outcome per command of the entry. */
  static List<StateStore.Outcome> outcomes(Message reply, List<LogCommand> commands) {
    String[] lines = reply.getContent().toStringUtf8().split("\n");
    List<StateStore.Outcome> outcomes = new java.util.ArrayList<>(commands.size());
    for (int i = 0; i < commands.size(); i++) {
      String line = i < lines.length ? lines[i] : "";
      int tab = line.indexOf('\t');
      StateStore.Result result = StateStore.Result.valueOf(tab < 0 ? line : line.substring(0, tab));
      String reason = tab < 0 ? null : line.substring(tab + 1);
      LogCommand command = commands.get(i);
      outcomes.add(new StateStore.Outcome(result, result == StateStore.Result.APPLIED
          ? new io.cairn.state.Version(command.wallMillis(), 0, command.proposer()) : null, reason));
    }
    return outcomes;
  }
}

package io.cairn.cluster;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.state.LogCommand;
import io.cairn.state.Mutation;
import io.cairn.storage.CommandApplier;
import io.cairn.storage.ControlLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;

/**
 * The control log as the storage component writes through it in a cluster: commands batched into
 * log entries ({@link EntryBatcher}), sent to the leader ({@link EntrySubmitter}), answered once
 * committed and applied on this node, or with what is known of them at their deadline.
 */
final class RaftWrites implements ControlLog {
  /** Log entries on their way at once; more writes wait and share the next entry. */
  private static final int ENTRIES_IN_FLIGHT = 4;
  private static final int MAX_COMMANDS_PER_ENTRY = 128;

  private final Supplier<RaftClient> client;
  private final CommandApplier applier;
  private final Duration writeTimeout;
  private final Supplier<String> hint;
  private final Timer writes;
  private final EntrySubmitter submitter;
  private final EntryBatcher batcher = new EntryBatcher(this::submitEntry, ENTRIES_IN_FLIGHT, MAX_COMMANDS_PER_ENTRY);

  /** {@code client}: null until the Raft group runs; {@code hint}: what "no quorum" adds (membership knows). */
  RaftWrites(Supplier<RaftClient> client, CommandApplier applier, Duration writeTimeout, Supplier<String> hint,
      MeterRegistry registry) {
    this.client = client;
    this.applier = applier;
    this.writeTimeout = writeTimeout;
    this.hint = hint;
    this.submitter = new EntrySubmitter(ENTRIES_IN_FLIGHT, client);
    this.writes = Timer.builder("cairn_cluster_write_duration_seconds")
        .description("Time from submitting a control-state write to the Raft log until it is applied on this node")
        .publishPercentileHistogram().register(registry);
  }


  /**
   * Concurrent writes share log entries ({@link EntryBatcher}); a lone write goes at once. Answered
   * within {@code cluster.writeTimeout}: once committed and applied here, or with what is known of
   * the write then: UNAVAILABLE when it certainly was not committed (never sent, or refused unsent
   * by every member tried), DEADLINE_EXCEEDED when it may still commit (read before retrying).
   */
  @Override
  public CompletableFuture<Applied> append(LogCommand command, List<Mutation> local) {
    if (client.get() == null) {
      return CompletableFuture.failedFuture(new CairnException(ErrorCode.UNAVAILABLE,
          "the cluster is still forming: no Raft group yet"));
    }
    long started = System.nanoTime();
    CompletableFuture<Applied> outcome = batcher.add(command, started + writeTimeout.toNanos());
    return outcome
        .orTimeout(writeTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(notConfirmed(e, batcher.withdraw(outcome), started)))
        .whenComplete((a, e) -> writes.record(System.nanoTime() - started, TimeUnit.NANOSECONDS));
  }

  private CairnException notConfirmed(Throwable failure, boolean neverSent, long started) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof CairnException known) {
      return known;
    }
    for (Throwable t = cause; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof FenceAboveTermException fenced) { // the commands sharing its entry were not written either
        return new CairnException(ErrorCode.CONFLICT, fenced.getMessage() + "; read again and retry");
      }
      if (t instanceof RefusedEntryException refused) { // validated before proposing: a bug, not the client's
        return new CairnException(ErrorCode.INTERNAL, "the leader refused the log entry: " + refused.getMessage());
      }
    }
    String waited = (System.nanoTime() - started) / 1_000_000 + " ms (limit " + io.cairn.model.Durations.format(writeTimeout)
        + "; " + hint.get() + ")";
    boolean mayHaveCommitted = !neverSent
        && !(cause instanceof EntrySubmitter.NotConfirmed nc && !nc.mayHaveCommitted);
    if (mayHaveCommitted) {
      return new CairnException(ErrorCode.DEADLINE_EXCEEDED, "the write was not confirmed after " + waited
          + ": it may still be applied; read before retrying");
    }
    return new CairnException(ErrorCode.UNAVAILABLE, "no quorum: the write was not committed after " + waited);
  }

  /** One log entry: sent to the leader, committed, and applied on this node; an outcome per command. */
  private CompletableFuture<List<Applied>> submitEntry(List<LogCommand> commands, long deadlineNanos) {
    return submitter.submit(LogCommand.encodeEntry(commands), deadlineNanos)
        .thenCompose(reply -> {
          List<io.cairn.state.StateStore.Outcome> outcomes = RaftStateMachine.outcomes(reply.getMessage(), commands);
          return applier.awaitApplied(reply.getLogIndex())
              .thenApply(v -> outcomes.stream().map(o -> new Applied(reply.getLogIndex(), o)).toList());
        });
  }

  @Override
  public boolean atomicWithLocal() {
    return false;
  }

  void close() {
    submitter.close();
  }
}

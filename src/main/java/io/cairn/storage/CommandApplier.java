package io.cairn.storage;

import io.cairn.events.EventTypes;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Event;
import io.cairn.state.LogCommand;
import io.cairn.state.Mutation;
import io.cairn.state.StateStore;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies committed commands to the state store, the same way for every log, and tells the node:
 * each applied command is published on {@link StorageBus#APPLIED} (in log order), and callers may
 * wait until an index is applied here.
 */
public final class CommandApplier {
  private static final Logger LOG = LoggerFactory.getLogger(CommandApplier.class);
  private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(30);
  private final StateStore store;
  private final Vertx vertx;
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
  /**
   * The highest index whose changes were published: the store's applied index moves first (in the
   * apply's batch), so waiting on it could answer before a component was told of the changes.
   */
  private volatile long released;
  /** Why this node applies nothing more (see {@link #stop}), or null while it applies. */
  private volatile String stopped;

  public CommandApplier(StateStore store, Vertx vertx) throws Exception {
    this.store = store;
    this.vertx = vertx;
    this.released = store.appliedIndex();
  }

  public StateStore store() {
    return store;
  }

  /** Applies one committed command at (term, index); blocking, from one thread at a time. */
  public StateStore.Outcome apply(long term, long index, LogCommand command, List<? extends Mutation> local)
      throws Exception {
    StateStore.Outcome outcome = store.applyCommitted(term, index, command, local);
    published(index, List.of(command), List.of(outcome));
    return outcome;
  }

  /** Applies the commands of one committed log entry at (term, index); blocking, one thread at a time. */
  public List<StateStore.Outcome> apply(long term, long index, List<LogCommand> commands) throws Exception {
    refuseIfStopped();
    List<StateStore.Outcome> outcomes = store.applyCommitted(term, index, commands, List.of());
    published(index, commands, outcomes);
    return outcomes;
  }

  private void published(long index, List<LogCommand> commands, List<StateStore.Outcome> outcomes) {
    boolean replayed = false;
    for (int i = 0; i < commands.size(); i++) {
      StateStore.Outcome outcome = outcomes.get(i);
      replayed |= outcome.result() == StateStore.Result.REPLAYED;
      if (outcome.result() == StateStore.Result.REFUSED) {
        refused(index, i, commands.size(), outcome.reason());
      }
      if (outcome.result() != StateStore.Result.APPLIED) {
        continue;
      }
      LogCommand command = commands.get(i);
      List<StorageBus.Change> changes = new ArrayList<>(command.mutations().size());
      for (Mutation m : command.mutations()) {
        changes.add(new StorageBus.Change(m.table(), m.key(), m instanceof Mutation.Put p ? p.value() : null, index));
      }
      vertx.eventBus().publish(StorageBus.APPLIED, new StorageBus.Applied(index, command.proposer(), List.copyOf(changes), false));
    }
    if (!replayed) {
      released(index);
    }
  }

  /**
   * A committed entry that does not decode (written by another version, or corrupt): applied with no
   * effect, so its index is stored like any other and every node skips it the same way; recorded as
   * a {@code LogEntrySkipped} event. A replay of it after a restart changes and records nothing.
   */
  public void skipUndecodable(long term, long index, String reason) throws Exception {
    refuseIfStopped();
    boolean replay = index <= store.appliedIndex();
    store.applyCommitted(term, index, List.of(), List.of());
    released(index);
    if (!replay) {
      recordSkipped(index, "log index " + index + " (term " + term + ") does not decode and was skipped, as on every node: "
          + reason);
    }
  }

  /**
   * A committed command the store refused as one no honest proposer writes (its fence term above its
   * entry's term): skipped like an undecodable entry, on every node, and recorded the same way. A
   * replay after a restart comes back REPLAYED, so it is recorded once.
   */
  private void refused(long index, int command, int commands, String reason) {
    LOG.warn("log index {}: command {} of {} refused, as on every node: {}", index, command + 1, commands, reason);
    recordSkipped(index, "log index " + index + ": command " + (command + 1) + " of " + commands
        + " was skipped, as on every node: " + reason);
  }

  private void recordSkipped(long index, String reason) {
    Event skipped = Event.of(EventTypes.LOG_ENTRY_SKIPPED, Event.Severity.Warning, null, null, reason, null);
    new StorageClient(vertx, EVENT_TIMEOUT).write(List.of(), List.of(skipped), null)
        .onFailure(e -> LOG.warn("recording the skipped log entry {} failed: {}", index, e.getMessage()));
  }

  /**
   * This node cannot apply the entry at {@code index} (its store could not be written): it applies
   * nothing more, whoever waits for an index fails now instead of at its timeout, and readiness is
   * told ({@link StorageBus#APPLY_STOPPED}). Only a restart, once the data dir works, resumes it.
   */
  public void stop(long index, String reason) {
    stopped = "this node stopped applying the control log at index " + index + " (" + reason
        + "); restart it once its data dir works";
    List<CompletableFuture<Void>> waiting = new ArrayList<>();
    synchronized (waiters) {
      waiters.values().forEach(waiting::addAll);
      waiters.clear();
    }
    CairnException failure = new CairnException(ErrorCode.UNAVAILABLE, stopped);
    waiting.forEach(w -> w.completeExceptionally(failure));
    vertx.eventBus().publish(StorageBus.APPLY_STOPPED, new StorageBus.ApplyStopped(index, reason));
  }

  private void refuseIfStopped() {
    String why = stopped;
    if (why != null) {
      throw new IllegalStateException(why);
    }
  }

  /** Log entries without a command of ours (configuration, leader no-ops) still move the applied index. */
  public void skipped(long index) {
    released(index);
  }

  /**
   * A snapshot replaced the replicated tables up to {@code index}: waiters are released, and views
   * must reload (they get one {@link StorageBus.Applied} with no changes and {@code reload} set).
   */
  public void installed(long index) {
    vertx.eventBus().publish(StorageBus.APPLIED, new StorageBus.Applied(index, null, List.of(), true));
    released(index);
  }

  /** Completes once this node has applied {@code index} (at once if it has). */
  public CompletableFuture<Void> awaitApplied(long index) {
    String why = stopped;
    if (why != null) {
      return CompletableFuture.failedFuture(new CairnException(ErrorCode.UNAVAILABLE, why));
    }
    if (released >= index) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> wait = new CompletableFuture<>();
    synchronized (waiters) {
      if (released >= index) { // released meanwhile
        return CompletableFuture.completedFuture(null);
      }
      waiters.computeIfAbsent(index, i -> new ArrayList<>()).add(wait);
    }
    return wait;
  }

  /** The highest index applied here whose changes every component was told of. */
  public long releasedIndex() {
    return released;
  }

  /**
   * Like {@link #awaitApplied(long)}, failing with a {@link java.util.concurrent.TimeoutException}
   * after {@code within}; a waiter that timed out is forgotten, so asking for an index far ahead
   * costs nothing once answered.
   */
  public CompletableFuture<Void> awaitApplied(long index, java.time.Duration within) {
    CompletableFuture<Void> wait = awaitApplied(index);
    if (wait.isDone()) {
      return wait;
    }
    return wait.orTimeout(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .whenComplete((v, e) -> {
          if (e != null) {
            synchronized (waiters) {
              List<CompletableFuture<Void>> at = waiters.get(index);
              if (at != null && at.remove(wait) && at.isEmpty()) {
                waiters.remove(index);
              }
            }
          }
        });
  }

  private void released(long index) {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    synchronized (waiters) {
      released = Math.max(released, index);
      Map<Long, List<CompletableFuture<Void>>> head = waiters.headMap(index, true);
      head.values().forEach(ready::addAll);
      head.clear();
    }
    ready.forEach(f -> f.complete(null));
  }
}

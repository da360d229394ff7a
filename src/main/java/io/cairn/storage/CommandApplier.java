package io.cairn.storage;

import io.cairn.state.LogCommand;
import io.cairn.state.Mutation;
import io.cairn.state.StateStore;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Applies committed commands to the state store, the same way for every log, and tells the node:
 * each applied command is published on {@link StorageBus#APPLIED} (in log order), and callers may
 * wait until an index is applied here.
 */
public final class CommandApplier {
  private final StateStore store;
  private final Vertx vertx;
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();

  public CommandApplier(StateStore store, Vertx vertx) {
    this.store = store;
    this.vertx = vertx;
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
    List<StateStore.Outcome> outcomes = store.applyCommitted(term, index, commands, List.of());
    published(index, commands, outcomes);
    return outcomes;
  }

  private void published(long index, List<LogCommand> commands, List<StateStore.Outcome> outcomes) {
    boolean replayed = false;
    for (int i = 0; i < commands.size(); i++) {
      StateStore.Outcome outcome = outcomes.get(i);
      replayed |= outcome.result() == StateStore.Result.REPLAYED;
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
    try {
      if (store.appliedIndex() >= index) {
        return CompletableFuture.completedFuture(null);
      }
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> wait = new CompletableFuture<>();
    synchronized (waiters) {
      waiters.computeIfAbsent(index, i -> new ArrayList<>()).add(wait);
    }
    try { // applied meanwhile?
      if (store.appliedIndex() >= index) {
        released(index);
      }
    } catch (Exception ignored) {
      // the next apply releases it
    }
    return wait;
  }

  private void released(long index) {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    synchronized (waiters) {
      Map<Long, List<CompletableFuture<Void>>> head = waiters.headMap(index, true);
      head.values().forEach(ready::addAll);
      head.clear();
    }
    ready.forEach(f -> f.complete(null));
  }
}

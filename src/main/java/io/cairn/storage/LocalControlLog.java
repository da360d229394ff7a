package io.cairn.storage;

import io.cairn.state.LogCommand;
import io.cairn.state.Mutation;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The single-node log: a command commits the moment it is appended, together with its node-local
 * companions, in one batch. No Raft, no extra port, no extra thread. Called on the storage worker.
 */
public final class LocalControlLog implements ControlLog {
  private final CommandApplier applier;

  public LocalControlLog(CommandApplier applier) {
    this.applier = applier;
  }

  @Override
  public CompletableFuture<Applied> append(LogCommand command, List<Mutation> local) {
    try {
      long index = applier.store().appliedIndex() + 1;
      return CompletableFuture.completedFuture(new Applied(index, applier.apply(0, index, command, local)));
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public boolean atomicWithLocal() {
    return true;
  }
}

package io.cairn.storage;

import io.cairn.state.LogCommand;
import io.cairn.state.Mutation;
import io.cairn.state.StateStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Orders every change of control state. Single-node: commits locally at once. Cluster: the Raft
 * log (Apache Ratis) among the server nodes. Components never see which: they write through the
 * storage component, which appends here.
 */
public interface ControlLog {
  /**
   * Appends {@code command}; completes once it is committed and applied on this node, with what
   * applying it did. {@code local} are node-local mutations to land with it: the single-node log
   * writes them in the same batch; a replicated log leaves them to the caller (see {@link #atomicWithLocal}).
   */
  CompletableFuture<Applied> append(LogCommand command, List<Mutation> local);

  /** Whether {@link #append} writes {@code local} in the command's own batch. */
  boolean atomicWithLocal();

  /** The outcome and the index the command got in the log. */
  record Applied(long index, StateStore.Outcome outcome) {}
}

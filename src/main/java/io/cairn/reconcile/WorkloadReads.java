package io.cairn.reconcile;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's workloads as the reconciler last published them, for front ends to read on their own
 * event loops instead of queueing every read on the reconciler's one loop. Only the reconciler
 * writes it, on its event loop, right after its view changed and before it answers whoever caused
 * the change: a client that got the answer to a write reads it back here through any API instance
 * of this node. Each entry is an immutable {@link WorkloadView}, replaced whole, so a reader never
 * sees a workload half changed.
 *
 * <p>It is the reconciler's view and no more: a read that must first wait for the applied log
 * ({@code ?resourceVersion}) or the leader ({@code ?consistent}) still asks {@link ReconcileBus#GET},
 * whose answer is ordered behind the applied changes on the reconciler's event loop. A name it does
 * not hold (not loaded yet, invalid, absent) is asked there too, for the answer and its error code.
 */
public final class WorkloadReads {
  private final ConcurrentHashMap<String, WorkloadView> byName = new ConcurrentHashMap<>();

  /** The workload as last published, or null when not held here (ask {@link ReconcileBus#GET}). */
  public WorkloadView get(String name) {
    return byName.get(name);
  }

  void put(String name, WorkloadView view) {
    byName.put(name, view);
  }

  void remove(String name) {
    byName.remove(name);
  }

  Set<String> names() {
    return byName.keySet();
  }
}

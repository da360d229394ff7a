package io.cairn.tasks;

import io.vertx.core.Future;

/**
 * Chooses the node a task runs on. The one implementation today, {@link LeastLoadedDispatcher},
 * sees only this node; the cluster issue gives it every peer's stats.
 */
public interface TaskDispatcher {
  /** The node id to enqueue on, or UNSCHEDULABLE naming what no node satisfies. */
  Future<String> choose(TaskSpec spec);
}

package io.cairn.registry;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where each workload instance and task runs: {@code id -> node}, the set of ids per node, and each
 * node's count (its load). Entries live for a TTL and stay alive through heartbeats. Every
 * operation is atomic: no observer ever sees an id in two nodes' sets. Two back ends (embedded
 * memory, Redis) pass one contract test.
 */
public interface LocationRegistry {

  /** Records {@code id} on {@code node}; if it was on another node it moves (leaves that node's set). */
  Future<Void> register(String id, String node, Duration ttl);

  /** Extends the entry's life; false when it has expired or now lives on another node. */
  Future<Boolean> heartbeat(String id, String node, Duration ttl);

  /** Forgets the id; false when it was not registered. */
  Future<Boolean> deregister(String id);

  Future<Optional<String>> locate(String id);

  /** The live ids registered on {@code node}. */
  Future<Set<String>> members(String node);

  /** Live ids per node, for the dispatcher and scheduler. */
  Future<Map<String, Long>> load();

  /** Removes expired ids from the node sets and counts; returns how many it removed. */
  Future<Integer> cleanup();
}

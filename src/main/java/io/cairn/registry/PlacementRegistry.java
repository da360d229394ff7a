package io.cairn.registry;

import io.cairn.model.InstanceStatus;
import io.cairn.state.Table;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The embedded registry of a cluster member: where workload instances run comes from the
 * replicated placements (every node holds them, so every node locates every instance); this
 * node's own tasks, which are not replicated, stay in the embedded memory registry beside them.
 */
final class PlacementRegistry implements LocationRegistry {
  private final StorageClient storage;
  private final MemoryRegistry local;

  PlacementRegistry(StorageClient storage, MemoryRegistry local) {
    this.storage = storage;
    this.local = local;
  }

  @Override
  public Future<Void> register(String id, String node, Duration ttl) {
    return local.register(id, node, ttl);
  }

  @Override
  public Future<Boolean> heartbeat(String id, String node, Duration ttl) {
    return local.heartbeat(id, node, ttl);
  }

  @Override
  public Future<Boolean> deregister(String id) {
    return local.deregister(id);
  }

  @Override
  public Future<Optional<String>> locate(String id) {
    return storage.<InstanceStatus>get(Table.INSTANCES, id).compose(placed -> placed.isPresent()
        && placed.get().state().isLive() ? Future.succeededFuture(Optional.of(placed.get().nodeId())) : local.locate(id));
  }

  @Override
  public Future<Set<String>> members(String node) {
    return storage.<InstanceStatus>scanAll(Table.INSTANCES, "").compose(all -> local.members(node).map(tasks -> {
      Set<String> out = new HashSet<>(tasks);
      all.stream().filter(i -> i.state().isLive() && node.equals(i.nodeId())).forEach(i -> out.add(i.id()));
      return out;
    }));
  }

  @Override
  public Future<Map<String, Long>> load() {
    return storage.<InstanceStatus>scanAll(Table.INSTANCES, "").compose(all -> local.load().map(tasks -> {
      Map<String, Long> out = new HashMap<>(tasks);
      all.stream().filter(i -> i.state().isLive()).forEach(i -> out.merge(i.nodeId(), 1L, Long::sum));
      return out;
    }));
  }

  @Override
  public Future<Integer> cleanup() {
    return local.cleanup();
  }
}

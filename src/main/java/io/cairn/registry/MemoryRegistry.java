package io.cairn.registry;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The embedded back end: plain maps under one lock, so each operation is atomic like the Redis
 * scripts are. Expired entries read as absent at once and leave the node sets at the next cleanup.
 * Every call is short and in memory, so it is safe on an event loop.
 */
public final class MemoryRegistry implements LocationRegistry {
  private record Location(String node, long expiresAtNanos) {
    boolean alive(long now) {
      return now - expiresAtNanos < 0;
    }
  }

  private final Map<String, Location> locations = new HashMap<>();
  private final Map<String, Set<String>> hosts = new HashMap<>();

  @Override
  public synchronized Future<Void> register(String id, String node, Duration ttl) {
    Location old = locations.put(id, new Location(node, System.nanoTime() + ttl.toNanos()));
    if (old != null && !old.node().equals(node)) {
      leave(old.node(), id);
    }
    hosts.computeIfAbsent(node, n -> new LinkedHashSet<>()).add(id);
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Boolean> heartbeat(String id, String node, Duration ttl) {
    long now = System.nanoTime();
    Location at = locations.get(id);
    if (at == null || !at.alive(now) || !at.node().equals(node)) {
      return Future.succeededFuture(false);
    }
    locations.put(id, new Location(node, now + ttl.toNanos()));
    return Future.succeededFuture(true);
  }

  @Override
  public synchronized Future<Boolean> deregister(String id) {
    Location old = locations.remove(id);
    if (old == null) {
      return Future.succeededFuture(false);
    }
    leave(old.node(), id);
    return Future.succeededFuture(old.alive(System.nanoTime()));
  }

  @Override
  public synchronized Future<Optional<String>> locate(String id) {
    Location at = locations.get(id);
    return Future.succeededFuture(at != null && at.alive(System.nanoTime()) ? Optional.of(at.node()) : Optional.empty());
  }

  @Override
  public synchronized Future<Set<String>> members(String node) {
    long now = System.nanoTime();
    Set<String> live = new LinkedHashSet<>();
    for (String id : hosts.getOrDefault(node, Set.of())) {
      Location at = locations.get(id);
      if (at != null && at.alive(now) && at.node().equals(node)) {
        live.add(id);
      }
    }
    return Future.succeededFuture(Set.copyOf(live));
  }

  @Override
  public synchronized Future<Map<String, Long>> load() {
    long now = System.nanoTime();
    Map<String, Long> counts = new TreeMap<>();
    hosts.forEach((node, ids) -> {
      long live = ids.stream().filter(id -> {
        Location at = locations.get(id);
        return at != null && at.alive(now);
      }).count();
      if (live > 0) {
        counts.put(node, live);
      }
    });
    return Future.succeededFuture(counts);
  }

  @Override
  public synchronized Future<Integer> cleanup() {
    long now = System.nanoTime();
    int removed = 0;
    for (var it = locations.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getValue().alive(now)) {
        it.remove();
        leave(e.getValue().node(), e.getKey());
        removed++;
      }
    }
    return Future.succeededFuture(removed);
  }

  private void leave(String node, String id) {
    Set<String> ids = hosts.get(node);
    if (ids != null && ids.remove(id) && ids.isEmpty()) {
      hosts.remove(node);
    }
  }

  /** Which nodes' sets hold {@code id} right now, live or not: the invariant the contract test checks. */
  synchronized Set<String> setsHolding(String id) {
    Set<String> out = new LinkedHashSet<>();
    hosts.forEach((node, ids) -> {
      if (ids.contains(id)) {
        out.add(node);
      }
    });
    return out;
  }
}

package io.cairn.registry;

import io.cairn.resilience.Resilience;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Redis back end, readable by programs that are not Cairn: {@code cairn:loc:{id}} holds the node
 * (with the TTL), {@code cairn:host:{node}} the set of ids there, {@code cairn:load} a sorted set
 * node -> count. {@code cairn:owner} (hash id -> node, no TTL) remembers whose set an id is in after
 * its location key expired, so a move or cleanup can always take it out of that set. Each
 * operation is one Lua script, so Redis runs it atomically and no observer sees an id in two sets.
 * Every call goes through the shared resilience component (all of these are idempotent).
 */
public final class RedisRegistry implements LocationRegistry {
  private static final String OWNER = "cairn:owner";

  /** Leave the old node's set (if any), then join the new one; counts follow set membership. */
  private static final String REGISTER = """
      local id, node = ARGV[1], ARGV[2]
      local old = redis.call('HGET', KEYS[2], id)
      if old and old ~= node then
        if redis.call('SREM', 'cairn:host:' .. old, id) == 1 then
          if tonumber(redis.call('ZINCRBY', 'cairn:load', -1, old)) <= 0 then redis.call('ZREM', 'cairn:load', old) end
        end
      end
      redis.call('SET', KEYS[1], node, 'PX', ARGV[3])
      redis.call('HSET', KEYS[2], id, node)
      if redis.call('SADD', 'cairn:host:' .. node, id) == 1 then redis.call('ZINCRBY', 'cairn:load', 1, node) end
      return 1
      """;

  private static final String HEARTBEAT = """
      if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
      return 0
      """;

  private static final String DEREGISTER = """
      local id = ARGV[1]
      local old = redis.call('HGET', KEYS[2], id)
      if old then
        if redis.call('SREM', 'cairn:host:' .. old, id) == 1 then
          if tonumber(redis.call('ZINCRBY', 'cairn:load', -1, old)) <= 0 then redis.call('ZREM', 'cairn:load', old) end
        end
        redis.call('HDEL', KEYS[2], id)
      end
      return redis.call('DEL', KEYS[1])
      """;

  /** Live members only: a set may still hold ids whose location expired and awaits cleanup. */
  private static final String MEMBERS = """
      local live = {}
      for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
        if redis.call('GET', 'cairn:loc:' .. id) == ARGV[1] then live[#live + 1] = id end
      end
      return live
      """;

  private static final String CLEANUP = """
      local removed = 0
      local owners = redis.call('HGETALL', KEYS[1])
      for i = 1, #owners, 2 do
        local id, node = owners[i], owners[i + 1]
        if redis.call('EXISTS', 'cairn:loc:' .. id) == 0 then
          if redis.call('SREM', 'cairn:host:' .. node, id) == 1 then
            if tonumber(redis.call('ZINCRBY', 'cairn:load', -1, node)) <= 0 then redis.call('ZREM', 'cairn:load', node) end
          end
          redis.call('HDEL', KEYS[1], id)
          removed = removed + 1
        end
      end
      return removed
      """;

  private final Redis redis;
  private final Resilience resilience;
  private final String target;

  /** {@code target} names this Redis for the breaker and its metric (e.g. "redis:127.0.0.1:6379"). */
  public RedisRegistry(Redis redis, Resilience resilience, String target) {
    this.redis = redis;
    this.resilience = resilience;
    this.target = target;
  }

  private static String loc(String id) {
    return "cairn:loc:" + id;
  }

  private Future<Response> send(Request request) {
    return resilience.call(target, true, () -> redis.send(request));
  }

  private Future<Response> script(String lua, Object... keysThenArgs) {
    return send(Request.cmd(Command.EVAL, prepend(lua, keysThenArgs)));
  }

  private static Object[] prepend(String lua, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = lua;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  @Override
  public Future<Void> register(String id, String node, Duration ttl) {
    return script(REGISTER, 2, loc(id), OWNER, id, node, Math.max(1, ttl.toMillis())).mapEmpty();
  }

  @Override
  public Future<Boolean> heartbeat(String id, String node, Duration ttl) {
    return script(HEARTBEAT, 1, loc(id), node, Math.max(1, ttl.toMillis())).map(r -> r.toLong() == 1);
  }

  @Override
  public Future<Boolean> deregister(String id) {
    return script(DEREGISTER, 2, loc(id), OWNER, id).map(r -> r.toLong() == 1);
  }

  @Override
  public Future<Optional<String>> locate(String id) {
    return send(Request.cmd(Command.GET, loc(id))).map(r -> Optional.ofNullable(r).map(Response::toString));
  }

  @Override
  public Future<Set<String>> members(String node) {
    return script(MEMBERS, 1, "cairn:host:" + node, node).map(r -> {
      Set<String> ids = new LinkedHashSet<>();
      r.forEach(x -> ids.add(x.toString()));
      return Set.copyOf(ids);
    });
  }

  @Override
  public Future<Map<String, Long>> load() {
    return send(Request.cmd(Command.ZRANGE, "cairn:load", 0, -1, "WITHSCORES")).map(r -> {
      Map<String, Long> counts = new TreeMap<>();
      // RESP2 gives a flat [member, score, ...] list; RESP3 gives [[member, score], ...]
      if (r.size() > 0 && r.get(0).type() == ResponseType.MULTI) {
        r.forEach(pair -> counts.put(pair.get(0).toString(), Math.round(Double.parseDouble(pair.get(1).toString()))));
      } else {
        for (int i = 0; i + 1 < r.size(); i += 2) {
          counts.put(r.get(i).toString(), Math.round(Double.parseDouble(r.get(i + 1).toString())));
        }
      }
      counts.values().removeIf(n -> n <= 0);
      return counts;
    });
  }

  @Override
  public Future<Integer> cleanup() {
    return script(CLEANUP, 1, OWNER).map(Response::toInteger);
  }
}

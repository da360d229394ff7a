package io.cairn.registry;

import io.cairn.resilience.Resilience;
import io.cairn.testing.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** The contract against the Redis back end and a real redis-server. */
class RedisRegistryTest extends LocationRegistryContract {
  static RedisServer server;
  static Vertx vertx;
  static Redis redis;
  static RedisRegistry registry;

  @BeforeAll
  static void start() throws Exception {
    server = new RedisServer();
    vertx = Vertx.vertx();
    redis = Redis.createClient(vertx, server.url());
    registry = new RedisRegistry(redis, new Resilience(vertx, new SimpleMeterRegistry(), Resilience.Policy.DEFAULT),
        "redis:test");
  }

  @AfterAll
  static void stop() throws Exception {
    redis.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    server.close();
  }

  @BeforeEach
  void empty() throws Exception {
    get(redis.send(Request.cmd(Command.FLUSHALL)));
  }

  @Override
  LocationRegistry registry() {
    return registry;
  }

  /** One script, so the look is atomic too: checking set by set would race the moves it watches. */
  @Override
  Set<String> setsHolding(String id) throws Exception {
    String lua = """
        local holding = {}
        for _, key in ipairs(redis.call('KEYS', 'cairn:host:*')) do
          if redis.call('SISMEMBER', key, ARGV[1]) == 1 then holding[#holding + 1] = string.sub(key, 12) end
        end
        return holding
        """;
    Set<String> nodes = new LinkedHashSet<>();
    get(redis.send(Request.cmd(Command.EVAL, lua, 0, id))).forEach(r -> nodes.add(r.toString()));
    return nodes;
  }
}

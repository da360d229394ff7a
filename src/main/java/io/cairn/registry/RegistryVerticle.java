package io.cairn.registry;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.bus.Bus;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.resilience.Resilience;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry component: keeps the location back end (embedded memory or Redis) in step with what
 * this node runs, and answers where-is queries. It holds its own list of claims, so a back-end
 * outage costs nothing but freshness: claims keep arriving, the failed calls mark the registry
 * behind, and the next heartbeat tick after the back end answers again re-registers every claim
 * and retries the releases it missed (catch-up). Runs on an event loop: both back ends are
 * non-blocking.
 */
public final class RegistryVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryVerticle.class);

  /** {@code backend} memory|redis; entries live {@code ttl} and are refreshed every {@code heartbeatInterval}. */
  /** {@code clustered}: with the memory back end, instances are located from the replicated placements. */
  public record Options(String backend, String redisUrl, Duration ttl, Duration heartbeatInterval,
      Duration redisTimeout, boolean clustered) {
    public Options(String backend, String redisUrl, Duration ttl, Duration heartbeatInterval, Duration redisTimeout) {
      this(backend, redisUrl, ttl, heartbeatInterval, redisTimeout, false);
    }
  }

  private final String nodeId;
  private final Options options;
  private final MeterRegistry meters;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Map<String, RegistryBus.Kind> claims = new HashMap<>();
  /** Releases the back end did not take; retried at catch-up (until then the TTL ends them anyway). */
  private final Set<String> pendingReleases = new HashSet<>();
  /** The last operation per id, so register and deregister of one id reach the back end in order. */
  private final Map<String, Future<?>> lastOperation = new HashMap<>();
  private LocationRegistry registry;
  private Redis redis;
  private Resilience resilience;
  private boolean behind;
  private boolean ticking;
  private String lastError;
  private long lastSuccessAt;
  private long heartbeatTimer = -1;
  private long cleanupTimer = -1;

  public RegistryVerticle(String nodeId, Options options, MeterRegistry meters) {
    this.nodeId = nodeId;
    this.options = options;
    this.meters = meters;
  }

  @Override
  public Future<?> start() {
    if ("redis".equals(options.backend())) {
      // Many tasks start and end each second: let requests queue for a connection rather than fail.
      redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(options.redisUrl())
          .setMaxPoolSize(8).setMaxPoolWaiting(4096).setMaxWaitingHandlers(4096));
      resilience = new Resilience(vertx, meters, new Resilience.Policy(options.redisTimeout(), 2,
          Duration.ofMillis(50), Duration.ofSeconds(1), 5, Duration.ofSeconds(2)));
      registry = new RedisRegistry(redis, resilience, target(options.redisUrl()));
    } else if (options.clustered()) {
      registry = new PlacementRegistry(new io.cairn.storage.StorageClient(vertx, Duration.ofSeconds(5)), new MemoryRegistry());
    } else {
      registry = new MemoryRegistry();
    }
    Gauge.builder("cairn_registry_claims", claims, Map::size)
        .description("Workload instances and tasks this node runs, as told to the location registry").register(meters);
    Gauge.builder("cairn_registry_up", this, v -> v.isUp() ? 1 : 0)
        .description("1 while the location registry back end is reachable and holds every claim of this node")
        .register(meters);

    consumers.add(vertx.eventBus().<RegistryBus.Claim>consumer(RegistryBus.CLAIM, m -> claim(m.body())));
    consumers.add(vertx.eventBus().<RegistryBus.Release>consumer(RegistryBus.RELEASE, m -> release(m.body().id())));
    consumers.add(vertx.eventBus().<RegistryBus.Sync>consumer(RegistryBus.SYNC, m -> sync(m.body())));
    consumers.add(vertx.eventBus().<RegistryBus.Locate>consumer(RegistryBus.LOCATE, m -> Bus.replyWith(m,
        track(registry.locate(m.body().id())).map(found -> new RegistryBus.Location(m.body().id(),
            found.orElseThrow(() -> new CairnException(ErrorCode.NOT_FOUND,
                "'" + m.body().id() + "' is not registered on any node")))))));
    consumers.add(vertx.eventBus().<RegistryBus.MembersQuery>consumer(RegistryBus.MEMBERS, m -> Bus.replyWith(m,
        track(registry.members(m.body().node())).map(ids -> new RegistryBus.Members(m.body().node(), ids)))));
    consumers.add(vertx.eventBus().<RegistryBus.LoadQuery>consumer(RegistryBus.LOAD, m -> Bus.replyWith(m,
        track(registry.load()).map(RegistryBus.Load::new))));
    consumers.add(vertx.eventBus().<RegistryBus.StatusQuery>consumer(RegistryBus.STATUS,
        m -> m.reply(status())));

    heartbeatTimer = vertx.setPeriodic(options.heartbeatInterval().toMillis(), id -> tick());
    cleanupTimer = vertx.setPeriodic(options.ttl().toMillis(), id -> track(registry.cleanup())
        .onSuccess(n -> { if (n > 0) LOG.info("registry cleanup removed expired entries {}", kv("removed", n)); }));
    LOG.info("location registry started {} {}", kv("backend", options.backend()),
        kv("target", "redis".equals(options.backend()) ? target(options.redisUrl()) : "embedded"));
    // Not waiting for Redis: a node starts and runs its workloads whether or not Redis is there.
    return Future.succeededFuture();
  }

  private void claim(RegistryBus.Claim c) {
    claims.put(c.id(), c.kind());
    pendingReleases.remove(c.id());
    inOrder(c.id(), () -> registry.register(c.id(), nodeId, options.ttl()));
  }

  private void release(String id) {
    if (claims.remove(id) == null && !pendingReleases.contains(id)) {
      return;
    }
    inOrder(id, () -> registry.deregister(id).onFailure(e -> {
      if (!claims.containsKey(id)) {
        pendingReleases.add(id);
      }
    }));
  }

  /** Replaces this node's claims of one kind: releases what is gone, claims what is new or unknown. */
  private void sync(RegistryBus.Sync s) {
    List<String> gone = claims.entrySet().stream()
        .filter(e -> e.getValue() == s.kind() && !s.ids().contains(e.getKey())).map(Map.Entry::getKey).toList();
    gone.forEach(this::release);
    // known claims are already registered (and heart-beaten): only new ones cost a back-end call
    s.ids().stream().filter(id -> !claims.containsKey(id)).forEach(id -> claim(new RegistryBus.Claim(id, s.kind())));
  }

  /** Chains an operation on one id after the previous one, so the back end sees them in order. */
  private void inOrder(String id, java.util.function.Supplier<Future<?>> operation) {
    Future<?> previous = lastOperation.getOrDefault(id, Future.succeededFuture());
    Future<?> next = track(previous.transform(ar -> operation.get()));
    lastOperation.put(id, next);
    next.onComplete(ar -> lastOperation.remove(id, next));
  }

  /** Every heartbeat interval: catch up after a failure, else refresh every claim's TTL. */
  private void tick() {
    if (ticking) {
      return;
    }
    ticking = true;
    (behind ? catchUp() : heartbeatAll()).onComplete(ar -> ticking = false);
  }

  private Future<Void> heartbeatAll() {
    List<Future<?>> calls = new ArrayList<>();
    for (String id : List.copyOf(claims.keySet())) {
      calls.add(track(registry.heartbeat(id, nodeId, options.ttl()).compose(alive -> alive || !claims.containsKey(id)
          ? Future.succeededFuture() : registry.register(id, nodeId, options.ttl()))));
    }
    return Future.join(calls).mapEmpty();
  }

  private Future<Void> catchUp() {
    behind = false; // a failure during the catch-up sets it again
    Map<String, RegistryBus.Kind> now = Map.copyOf(claims);
    List<String> releases = List.copyOf(pendingReleases);
    List<Future<?>> calls = new ArrayList<>();
    now.keySet().forEach(id -> calls.add(track(registry.register(id, nodeId, options.ttl()))));
    releases.forEach(id -> calls.add(track(registry.deregister(id)).onSuccess(v -> pendingReleases.remove(id))));
    return Future.join(calls)
        .onSuccess(v -> LOG.info("location registry caught up {} {}", kv("registered", now.size()),
            kv("released", releases.size())))
        .mapEmpty();
  }

  /** Notes the outcome of a back-end call: a failure puts the registry behind until a catch-up works. */
  private <T> Future<T> track(Future<T> call) {
    return call.onComplete(ar -> {
      if (ar.succeeded()) {
        lastSuccessAt = System.currentTimeMillis();
      } else {
        if (!behind) {
          LOG.warn("location registry unreachable, node keeps running and will catch up {} {}",
              kv("backend", options.backend()), kv("error", ar.cause().getMessage()));
        }
        behind = true;
        lastError = ar.cause().getMessage();
      }
    });
  }

  private boolean isUp() {
    return !behind && pendingReleases.isEmpty();
  }

  private RegistryBus.Status status() {
    Map<String, String> breakers = new LinkedHashMap<>();
    if (resilience != null) {
      resilience.states().forEach((t, s) -> breakers.put(t, s.name().toLowerCase(Locale.ROOT)));
    }
    return new RegistryBus.Status(options.backend(), isUp(), claims.size(), pendingReleases.size(),
        isUp() ? null : lastError, lastSuccessAt, breakers);
  }

  /** "redis:host:port" from the URL: names the breaker and its metric, never the password. */
  static String target(String redisUrl) {
    try {
      URI uri = URI.create(redisUrl);
      return "redis:" + (uri.getHost() == null ? uri.getPath() : uri.getHost() + ":" + (uri.getPort() < 0 ? 6379
          : uri.getPort()));
    } catch (IllegalArgumentException e) {
      return "redis";
    }
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(cleanupTimer);
    if (resilience != null) {
      resilience.close();
    }
    if (redis != null) {
      redis.close();
    }
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}

package io.cairn.api;

import io.cairn.bus.Bus;
import io.cairn.cluster.ClusterBus;
import io.cairn.model.CairnException;
import io.cairn.model.FieldError;
import io.cairn.storage.StorageClient;
import io.cairn.workload.ManifestValidator;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;

/**
 * Where a read is served from, for REST and gRPC alike. Reads are local: every reply says what they
 * are worth ({@code X-Cairn-Known-Leader}, {@code X-Cairn-Last-Contact} in ms, as Consul does;
 * the same names in gRPC response metadata). {@code ?consistent=true} first confirms with the
 * Raft leader that this node applied everything committed (read index), so the read is
 * linearizable; {@code ?resourceVersion=N} (gRPC metadata {@code x-cairn-resource-version}) waits
 * until this node applied log index N, at most {@code cluster.writeTimeout} (then 504), so a client
 * reads its own writes through any node. A single node's log commits locally: its reads are current.
 */
public final class ReadPoints implements Handler<RoutingContext> {
  public static final String KNOWN_LEADER = "X-Cairn-Known-Leader";
  public static final String LAST_CONTACT = "X-Cairn-Last-Contact";
  /** gRPC request metadata naming the log index a call must not be served before. */
  public static final String GRPC_RESOURCE_VERSION = "x-cairn-resource-version";
  private static final String PARAM = "resourceVersion";
  private static final String AT_READ_POINT = "cairn.readPoint";

  private final Vertx vertx;
  private final Duration timeout;
  private final Duration appliedWait;
  private final boolean clustered;
  private final StorageClient storage;
  private volatile ClusterBus.LeaderContact contact;
  private volatile long contactAtNanos;
  private MessageConsumer<ClusterBus.LeaderContact> consumer;

  ReadPoints(Vertx vertx, Duration timeout, Duration appliedWait, boolean clustered) {
    this.vertx = vertx;
    this.timeout = timeout;
    this.appliedWait = appliedWait;
    this.clustered = clustered;
    this.storage = new StorageClient(vertx, timeout);
    // until the cluster component first reports, a member knows no leader; a single node is its own
    this.contact = new ClusterBus.LeaderContact(!clustered, clustered ? -1 : 0);
    this.contactAtNanos = System.nanoTime();
  }

  Future<Void> start() {
    if (!clustered) {
      return Future.succeededFuture();
    }
    consumer = vertx.eventBus().consumer(ClusterBus.LEADER_CONTACT, m -> {
      contact = m.body();
      contactAtNanos = System.nanoTime();
    });
    return consumer.completion();
  }

  Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Writes the two freshness headers (HTTP headers; gRPC metadata names are the same in lower case). */
  public void stamp(MultiMap headers) {
    stamp(headers, false);
  }

  void stamp(MultiMap headers, boolean lowerCase) {
    ClusterBus.LeaderContact c = contact;
    long last = c.lastContactMillis();
    if (last >= 0 && clustered) {
      last += (System.nanoTime() - contactAtNanos) / 1_000_000; // the report's age counts too
    }
    headers.set(lowerCase ? KNOWN_LEADER.toLowerCase(java.util.Locale.ROOT) : KNOWN_LEADER, Boolean.toString(c.knownLeader()));
    headers.set(lowerCase ? LAST_CONTACT.toLowerCase(java.util.Locale.ROOT) : LAST_CONTACT, Long.toString(last));
  }

  @Override
  public void handle(RoutingContext ctx) {
    stamp(ctx.response().headers());
    Future<Void> ready;
    try {
      boolean linearizable = Params.bool(ctx, "consistent");
      ready = linearizable ? consistent(RequestIds.of(ctx)) : Future.succeededFuture();
      Long version = resourceVersion(ctx.queryParams().get(PARAM), PARAM);
      if (version != null) {
        ready = ready.compose(v -> reached(version, RequestIds.of(ctx)));
      }
      if (linearizable || version != null) {
        ctx.put(AT_READ_POINT, Boolean.TRUE);
      }
    } catch (RuntimeException e) {
      ApiErrors.fail(ctx, e);
      return;
    }
    if (ready.succeeded()) {
      ctx.next();
      return;
    }
    ready.onSuccess(v -> ctx.next()).onFailure(e -> ApiErrors.fail(ctx, e));
  }

  /**
   * Whether the read asked only for this node's view (neither {@code consistent} nor
   * {@code resourceVersion}), so a front end's local copy of a component's view may answer it. A
   * read at a read point must ask the component: its answer is ordered behind the applied log there.
   */
  static boolean localViewSuffices(RoutingContext ctx) {
    return ctx.get(AT_READ_POINT) == null;
  }

  /** Null when not given; INVALID_ARGUMENT naming {@code field} when not a resource version. */
  static Long resourceVersion(String raw, String field) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    Long version = ManifestValidator.resourceVersion(raw);
    if (version == null) {
      throw CairnException.invalid(List.of(new FieldError(field, "must be a resource version as read from the server (digits)")));
    }
    return version;
  }

  private Future<Void> consistent(String requestId) {
    return clustered ? Bus.<Boolean>request(vertx, ClusterBus.READ_INDEX, new ClusterBus.ReadIndex(), timeout, requestId)
        .mapEmpty() : Future.succeededFuture();
  }

  /** Completes once this node applied log index {@code version} (DEADLINE_EXCEEDED after cluster.writeTimeout). */
  public Future<Void> reached(long version, String requestId) {
    return storage.awaitApplied(version, appliedWait, requestId).mapEmpty();
  }

  /** For the gRPC front door: the index a call's metadata asks for, or null. */
  public static Long grpcResourceVersion(MultiMap requestHeaders) {
    return resourceVersion(requestHeaders.get(GRPC_RESOURCE_VERSION), GRPC_RESOURCE_VERSION);
  }
}

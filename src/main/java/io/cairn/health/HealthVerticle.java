package io.cairn.health;

import io.cairn.bus.Bus;
import io.cairn.node.NodeResources;
import io.cairn.reconcile.ReconcileBus;
import io.cairn.reconcile.Reconciler;
import io.cairn.registry.RegistryBus;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Live, ready and startup probes, built on vertx-health-check procedures that ask the other
 * components over the event bus. Ready means: storage answers, the reconciler has finished its
 * first pass (state loaded, processes adopted), the node is not draining and has not stopped
 * applying the control log (in a cluster, before this verticle starts the caught-up check covers
 * that: a node that stopped applying during start never catches up). The location
 * registry's check is shown beside them but does not decide readiness ("degraded" instead).
 */
public final class HealthVerticle extends VerticleBase {
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration CLUSTER_CHECK = Duration.ofMillis(500);

  private final String nodeId;
  private final String nodeName;
  private final String version;
  private final long startedAt;
  private final NodeResources resources;
  private final java.util.function.Supplier<Map<String, io.vertx.core.net.SocketAddress>> listeners;
  private final int diskThresholdPercent;
  private final Map<String, Object> isolation;
  private final Map<String, String> labels;
  private final boolean clustered;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private volatile boolean draining;
  /** Set if this node stopped applying the control log: it serves an ever older state until restarted. */
  private volatile io.cairn.storage.StorageBus.ApplyStopped applyStopped;
  private HealthChecks checks;
  private io.vertx.core.net.NetClient probeClient;

  /**
   * {@code listeners}: the node's listening sockets by name, known once they are open; liveness
   * fails when one no longer accepts (a listener can die while the process lives on).
   */
  /** How the node's ports are secured (TLS, expiry, insecure choices); null: a plain single node. */
  private final java.util.function.Supplier<JsonObject> transport;

  public HealthVerticle(String nodeId, String nodeName, String version, long startedAt, NodeResources resources,
      java.util.function.Supplier<Map<String, io.vertx.core.net.SocketAddress>> listeners, int diskThresholdPercent,
      Map<String, Object> isolation, Map<String, String> labels, boolean clustered,
      java.util.function.Supplier<JsonObject> transport) {
    this.transport = transport;
    this.isolation = Map.copyOf(isolation);
    this.labels = Map.copyOf(labels);
    this.clustered = clustered;
    this.listeners = listeners;
    this.diskThresholdPercent = diskThresholdPercent;
    this.nodeId = nodeId;
    this.nodeName = nodeName;
    this.version = version;
    this.startedAt = startedAt;
    this.resources = resources;
  }

  private String address(String listener) {
    io.vertx.core.net.SocketAddress a = listeners.get().get(listener);
    return a == null ? null : a.host() + ":" + a.port();
  }

  @Override
  public Future<?> start() {
    StorageClient storage = new StorageClient(vertx, CHECK_TIMEOUT);
    checks = HealthChecks.create(vertx);
    checks.register("live/eventLoop", p -> p.complete(Status.OK()));
    probeClient = vertx.createNetClient(new io.vertx.core.net.NetClientOptions()
        .setConnectTimeout((int) CHECK_TIMEOUT.toMillis() / 2));
    checks.register("live/listeners", CHECK_TIMEOUT.toMillis(), p -> listenersAccept()
        .onSuccess(data -> p.complete(Status.OK(data)))
        .onFailure(e -> p.complete(Status.KO(new JsonObject().put("error", e.getMessage())))));
    for (String group : List.of("ready", "startup")) {
      checks.register(group + "/storage", CHECK_TIMEOUT.toMillis(), p -> storage.ping(CHECK_TIMEOUT)
          .onSuccess(pong -> p.complete(Status.OK(new JsonObject().put("workloads", pong.entries()))))
          .onFailure(e -> p.complete(Status.KO(new JsonObject().put("error", e.getMessage())))));
      checks.register(group + "/reconciler", CHECK_TIMEOUT.toMillis(), p -> Bus.<Reconciler.Health>request(vertx,
              ReconcileBus.HEALTH, new ReconcileBus.HealthQuery(), CHECK_TIMEOUT, null)
          .onSuccess(h -> p.complete(new Status().setOk(h.firstPassDone()).setData(new JsonObject()
              .put("firstPassDone", h.firstPassDone()).put("passes", h.passes()).put("lastPassAt", h.lastPassAt()))))
          .onFailure(e -> p.complete(Status.KO(new JsonObject().put("error", e.getMessage())))));
    }
    if (clustered) {
      // ready once caught up with the cluster after start; without a leader it stays ready for reads
      for (String group : List.of("ready", "startup")) {
        checks.register(group + "/cluster", CHECK_TIMEOUT.toMillis(), p -> Bus.<Boolean>request(vertx,
                io.cairn.cluster.ClusterBus.CAUGHT_UP, new io.cairn.cluster.ClusterBus.CaughtUp(), CLUSTER_CHECK, null)
            .onSuccess(v -> p.complete(Status.OK()))
            .onFailure(e -> p.complete(Status.KO(new JsonObject().put("reason", "catching up with the cluster")))));
      }
      checks.register("degradable/quorum", CHECK_TIMEOUT.toMillis(), p -> Bus.<io.cairn.cluster.ClusterBus.Status>request(
              vertx, io.cairn.cluster.ClusterBus.STATUS, new io.cairn.cluster.ClusterBus.StatusQuery(), CHECK_TIMEOUT, null)
          .onSuccess(st -> p.complete(new Status().setOk(st.leaderId() != null).setData(new JsonObject()
              .put("leader", st.leaderId()).put("term", st.term()).put("appliedIndex", st.appliedIndex()))))
          .onFailure(e -> p.complete(Status.KO(new JsonObject().put("error", e.getMessage())))));
    }
    // Degradable: shown in the readiness details but not deciding it. A registry outage must not take
    // every node out of service at once; the node keeps running workloads and catches up later.
    checks.register("degradable/registry", CHECK_TIMEOUT.toMillis(), p -> Bus.<RegistryBus.Status>request(vertx,
            RegistryBus.STATUS, new RegistryBus.StatusQuery(), CHECK_TIMEOUT, null)
        .onSuccess(st -> {
          JsonObject data = new JsonObject().put("backend", st.backend()).put("claims", st.claims())
              .put("pendingReleases", st.pendingReleases()).put("breakers", new JsonObject(new LinkedHashMap<>(st.breakers())));
          if (st.lastError() != null) {
            data.put("error", st.lastError());
          }
          if (st.lastSuccessAt() > 0) {
            data.put("lastSuccessAt", java.time.Instant.ofEpochMilli(st.lastSuccessAt()).toString());
          }
          p.complete(new Status().setOk(st.up()).setData(data));
        })
        .onFailure(e -> p.complete(Status.KO(new JsonObject().put("error", e.getMessage())))));
    checks.register("degradable/disk", CHECK_TIMEOUT.toMillis(), p -> vertx.executeBlocking(resources::snapshot)
        .onSuccess(r -> {
          double percent = Math.round(r.diskPercent() * 10) / 10.0;
          JsonObject data = new JsonObject().put("diskPercent", percent).put("threshold", diskThresholdPercent)
              .put("freeBytes", r.capacity().diskBytes() - r.used().diskBytes());
          p.complete(new Status().setOk(percent < diskThresholdPercent).setData(data));
        })
        .onFailure(e -> p.complete(Status.KO(new JsonObject().put("error", e.getMessage())))));
    if (transport != null) { // degradable: an expiring certificate is a warning, not a reason to stop serving
      checks.register("degradable/tls", p -> {
        JsonObject data = transport.get();
        p.complete(new Status().setOk(!data.containsKey("warning")).setData(data));
      });
    }
    checks.register("ready/draining", p -> p.complete(draining
        ? Status.KO(new JsonObject().put("reason", "node is shutting down")) : Status.OK()));

    consumers.add(vertx.eventBus().<HealthBus.Probe>consumer(HealthBus.PROBE,
        m -> Bus.replyWith(m, probe(m.body().kind()))));
    consumers.add(vertx.eventBus().<HealthBus.NodeInfoQuery>consumer(HealthBus.NODE_INFO, m -> Bus.replyWith(m,
        vertx.executeBlocking(resources::snapshot)
            .map(snapshot -> new HealthBus.NodeInfo(nodeId, nodeName, version, startedAt, snapshot, isolation, labels,
                address("http"), address("s3"))))));
    consumers.add(vertx.eventBus().<HealthBus.Draining>consumer(HealthBus.DRAINING, m -> draining = true));
    checks.register("ready/applying", p -> p.complete(applyStopped == null ? Status.OK()
        : Status.KO(new JsonObject().put("stoppedAt", applyStopped.index()).put("reason", applyStopped.reason()))));
    consumers.add(vertx.eventBus().<io.cairn.storage.StorageBus.ApplyStopped>consumer(
        io.cairn.storage.StorageBus.APPLY_STOPPED, m -> applyStopped = m.body()));
    return Future.succeededFuture();
  }

  /** Opens (and closes) a connection to each listener; fails naming the first that refuses. */
  private Future<JsonObject> listenersAccept() {
    Map<String, io.vertx.core.net.SocketAddress> open = listeners.get();
    JsonObject data = new JsonObject();
    List<Future<?>> attempts = new ArrayList<>();
    open.forEach((name, address) -> {
      String host = address.host().equals("0.0.0.0") || address.host().equals("::") ? "127.0.0.1" : address.host();
      attempts.add(probeClient.connect(address.port(), host)
          .compose(socket -> socket.close())
          .onSuccess(v -> data.put(name, host + ":" + address.port()))
          .recover(e -> Future.failedFuture(name + " listener " + host + ":" + address.port()
              + " does not accept connections: " + e.getMessage())));
    });
    return Future.all(attempts).map(data);
  }

  private Future<HealthBus.Report> probe(HealthBus.Kind kind) {
    Future<CheckResult> degradable = kind == HealthBus.Kind.ready ? checks.checkStatus("degradable")
        : Future.succeededFuture(null);
    return Future.all(checks.checkStatus(kind.name()), degradable).map(both -> {
      CheckResult result = both.resultAt(0);
      Map<String, HealthBus.Check> byName = new LinkedHashMap<>();
      collect(result, byName);
      collect(both.resultAt(1), byName);
      List<String> degraded = new ArrayList<>();
      CheckResult optional = both.resultAt(1);
      if (optional != null && optional.getChecks() != null) {
        optional.getChecks().stream().filter(c -> !Boolean.TRUE.equals(c.getUp())).forEach(c -> degraded.add(c.getId()));
      }
      return new HealthBus.Report(Boolean.TRUE.equals(result.getUp()), byName, degraded);
    });
  }

  private static void collect(CheckResult result, Map<String, HealthBus.Check> byName) {
    if (result != null && result.getChecks() != null) {
      for (CheckResult c : result.getChecks()) {
        Map<String, Object> data = c.getData() == null ? Map.of() : c.getData().getMap();
        byName.put(c.getId(), new HealthBus.Check(Boolean.TRUE.equals(c.getUp()), data));
      }
    }
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}

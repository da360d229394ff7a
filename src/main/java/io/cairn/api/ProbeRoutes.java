package io.cairn.api;

import io.cairn.workload.WorkloadJson;
import io.cairn.bus.Bus;
import io.cairn.health.HealthBus;
import io.cairn.node.NodeResources;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Duration;

/** Probes, node information and the Prometheus scrape endpoint. */
final class ProbeRoutes {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;

  ProbeRoutes(Vertx vertx, PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.registry = registry;
  }

  void mount(Router router) {
    mountProbes(router);
    router.get("/api/v1/node").handler(this::node);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
  }

  /** Only /health/live, /health/ready and /health/startup (the plaintext probe listener serves these alone). */
  void mountProbes(Router router) {
    for (HealthBus.Kind kind : HealthBus.Kind.values()) {
      router.get("/health/" + kind.name()).handler(ctx -> probe(ctx, kind));
    }
  }

  private void probe(RoutingContext ctx, HealthBus.Kind kind) {
    Bus.<HealthBus.Report>request(vertx, HealthBus.PROBE, new HealthBus.Probe(kind), PROBE_TIMEOUT, RequestIds.of(ctx))
        .onComplete(ar -> {
          JsonObject checks = new JsonObject();
          boolean up = ar.succeeded() && ar.result().up();
          if (ar.succeeded()) {
            ar.result().checks().forEach((name, c) -> checks.put(name, new JsonObject()
                .put("status", c.up() ? "UP" : "DOWN").put("data", new JsonObject(new java.util.LinkedHashMap<>(c.data())))));
          } else {
            checks.put("health", new JsonObject().put("status", "DOWN").put("data",
                new JsonObject().put("error", ar.cause().getMessage())));
          }
          JsonObject body = new JsonObject().put("status", up ? "UP" : "DOWN");
          if (ar.succeeded() && !ar.result().degraded().isEmpty()) {
            body.put("degraded", new io.vertx.core.json.JsonArray(ar.result().degraded()));
          }
          WorkloadRoutes.reply(ctx, up ? 200 : 503, body.put("checks", checks));
        });
  }

  private void node(RoutingContext ctx) {
    Bus.<HealthBus.NodeInfo>request(vertx, HealthBus.NODE_INFO, new HealthBus.NodeInfoQuery(), PROBE_TIMEOUT,
            RequestIds.of(ctx))
        .onSuccess(info -> {
          NodeResources.Snapshot r = info.resources();
          JsonObject capacity = new JsonObject().put("cpus", r.capacity().cpuMillis() / 1000.0)
              .put("memoryBytes", r.capacity().memoryBytes()).put("diskBytes", r.capacity().diskBytes());
          JsonObject usage = new JsonObject()
              .put("cpuPercent", round(r.cpuPercent())).put("memoryBytes", r.used().memoryBytes())
              .put("memoryPercent", round(r.memoryPercent())).put("diskBytes", r.used().diskBytes())
              .put("diskPercent", round(r.diskPercent()));
          WorkloadRoutes.reply(ctx, 200, new JsonObject().put("id", info.id()).put("name", info.name())
              .put("version", info.version()).put("startedAt", WorkloadJson.time(info.startedAt()))
              .put("capacity", capacity).put("usage", usage)
              .put("isolation", new JsonObject(new java.util.LinkedHashMap<>(info.isolation()))));
        })
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }
}

package io.cairn.api;

import io.cairn.bus.Bus;
import io.cairn.model.CairnException;
import io.cairn.model.FieldError;
import io.cairn.registry.RegistryBus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Where things run, from the location registry: {@code GET /api/v1/locations/{id}} (a workload
 * instance or task id), {@code GET /api/v1/hosts} (live ids per node) and
 * {@code GET /api/v1/hosts/{node}/members}.
 */
final class RegistryRoutes {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,252}");
  private final Vertx vertx;
  private final Duration timeout;

  RegistryRoutes(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
  }

  void mount(Router router) {
    router.get("/api/v1/locations/:id").handler(this::locate);
    router.get("/api/v1/hosts").handler(this::hosts);
    router.get("/api/v1/hosts/:node/members").handler(this::members);
  }

  private void locate(RoutingContext ctx) {
    String id = checked(ctx, "id");
    if (id == null) {
      return;
    }
    Bus.<RegistryBus.Location>request(vertx, RegistryBus.LOCATE, new RegistryBus.Locate(id), timeout, RequestIds.of(ctx))
        .onSuccess(l -> WorkloadRoutes.reply(ctx, 200, new JsonObject().put("id", l.id()).put("node", l.node())))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void hosts(RoutingContext ctx) {
    Bus.<RegistryBus.Load>request(vertx, RegistryBus.LOAD, new RegistryBus.LoadQuery(), timeout, RequestIds.of(ctx))
        .onSuccess(load -> {
          JsonArray items = new JsonArray();
          new java.util.TreeMap<>(load.byNode()).forEach((node, count) ->
              items.add(new JsonObject().put("node", node).put("members", count)));
          WorkloadRoutes.reply(ctx, 200, new JsonObject().put("items", items));
        })
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void members(RoutingContext ctx) {
    String node = checked(ctx, "node");
    if (node == null) {
      return;
    }
    Bus.<RegistryBus.Members>request(vertx, RegistryBus.MEMBERS, new RegistryBus.MembersQuery(node), timeout,
            RequestIds.of(ctx))
        .onSuccess(m -> WorkloadRoutes.reply(ctx, 200, new JsonObject().put("node", m.node())
            .put("count", m.ids().size()).put("members", new JsonArray(List.copyOf(new TreeSet<>(m.ids()))))))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  /** The path parameter, or null after replying 400 when it cannot be an id or node name. */
  private static String checked(RoutingContext ctx, String name) {
    String value = ctx.pathParam(name);
    if (value == null || !ID.matcher(value).matches()) {
      ApiErrors.send(ctx, CairnException.invalid(List.of(new FieldError(name,
          "must be 1-253 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit",
          Map.of("value", value == null ? "" : value)))));
      return null;
    }
    return value;
  }
}

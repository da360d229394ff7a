package io.cairn.api;

import io.cairn.bus.Bus;
import io.cairn.cluster.ClusterBus;
import io.cairn.cluster.NodeJson;
import io.cairn.cluster.NodeRecord;
import io.cairn.health.HealthBus;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.FieldError;
import io.cairn.state.StateStore;
import io.cairn.storage.StorageBus;
import io.cairn.workload.WorkloadJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The cluster as a whole: {@code /api/v1/nodes} (every member), {@code /api/v1/nodes/{id}},
 * {@code DELETE /api/v1/nodes/{id}} (remove a dead member), {@code /api/v1/cluster} (Raft leader,
 * term, indices), {@code /api/v1/cluster/peers} and {@code /api/v1/cluster/digest}. On a single
 * node the list is this node and the cluster view says it is not clustered.
 */
final class ClusterRoutes {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private final Vertx vertx;
  private final Duration timeout;
  private final boolean clustered;

  ClusterRoutes(Vertx vertx, Duration timeout, boolean clustered) {
    this.vertx = vertx;
    this.timeout = timeout;
    this.clustered = clustered;
  }

  void mount(Router router) {
    router.get("/api/v1/nodes").handler(this::list);
    router.get("/api/v1/nodes/:id").handler(this::get);
    router.delete("/api/v1/nodes/:id").handler(this::remove);
    router.get("/api/v1/cluster").handler(this::status);
    router.get("/api/v1/cluster/peers").handler(this::peers);
    router.get("/api/v1/cluster/digest").handler(this::digest);
  }

  private void list(RoutingContext ctx) {
    Future<List<JsonObject>> nodes = clustered
        ? Bus.<ClusterBus.Nodes>request(vertx, ClusterBus.NODES, new ClusterBus.ListNodes(), timeout, RequestIds.of(ctx))
            .map(n -> n.nodes().stream().map(NodeJson::render).toList())
        : single(ctx).map(List::of);
    nodes.onSuccess(items -> WorkloadRoutes.reply(ctx, 200, new JsonObject().put("items", new JsonArray(items))))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void get(RoutingContext ctx) {
    String id = checked(ctx);
    if (id == null) {
      return;
    }
    Future<JsonObject> node = clustered
        ? Bus.<ClusterBus.NodeView>request(vertx, ClusterBus.NODE, new ClusterBus.GetNode(id), timeout, RequestIds.of(ctx))
            .map(NodeJson::render)
        : single(ctx).compose(n -> n.getString("id").equals(id) ? Future.succeededFuture(n)
            : Future.failedFuture(CairnException.notFound("node", id)));
    node.onSuccess(n -> WorkloadRoutes.reply(ctx, 200, n)).onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void remove(RoutingContext ctx) {
    String id = checked(ctx);
    if (id == null) {
      return;
    }
    if (!clustered) {
      ApiErrors.send(ctx, new CairnException(ErrorCode.FAILED_PRECONDITION, "this node is not in a cluster"));
      return;
    }
    Bus.<ClusterBus.NodeView>request(vertx, ClusterBus.REMOVE, new ClusterBus.RemoveNode(id), timeout, RequestIds.of(ctx))
        .onSuccess(n -> WorkloadRoutes.reply(ctx, 200, NodeJson.render(n)))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void status(RoutingContext ctx) {
    if (!clustered) {
      Bus.<StateStore.Digest>request(vertx, StorageBus.DIGEST, new StorageBus.DigestQuery(), timeout, RequestIds.of(ctx))
          .onSuccess(d -> WorkloadRoutes.reply(ctx, 200, new JsonObject().put("enabled", false)
              .put("appliedIndex", d.appliedIndex()).put("servers", new JsonArray())))
          .onFailure(e -> ApiErrors.fail(ctx, e));
      return;
    }
    Bus.<ClusterBus.Status>request(vertx, ClusterBus.STATUS, new ClusterBus.StatusQuery(), timeout, RequestIds.of(ctx))
        .onSuccess(s -> {
          JsonArray servers = new JsonArray();
          s.servers().forEach(v -> servers.add(new JsonObject().put("id", v.id()).put("address", v.address())
              .put("role", v.role()).put("appliedIndex", v.appliedIndex() < 0 ? null : v.appliedIndex())));
          WorkloadRoutes.reply(ctx, 200, new JsonObject().put("enabled", true).put("nodeId", s.nodeId())
              .put("leader", s.leaderId()).put("term", s.term()).put("commitIndex", s.commitIndex())
              .put("appliedIndex", s.appliedIndex()).put("servers", servers));
        })
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void peers(RoutingContext ctx) {
    if (!clustered) {
      WorkloadRoutes.reply(ctx, 200, new JsonObject().put("items", new JsonArray()));
      return;
    }
    Bus.<ClusterBus.Peers>request(vertx, ClusterBus.PEERS, new ClusterBus.PeersQuery(), timeout, RequestIds.of(ctx))
        .onSuccess(p -> {
          JsonArray items = new JsonArray();
          p.peers().forEach(v -> items.add(new JsonObject().put("id", v.id()).put("address", v.address())
              .put("state", v.state()).put("breaker", v.breaker()).put("lastContact", WorkloadJson.time(v.lastContact()))));
          WorkloadRoutes.reply(ctx, 200, new JsonObject().put("items", items));
        })
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void digest(RoutingContext ctx) {
    Bus.<StateStore.Digest>request(vertx, StorageBus.DIGEST, new StorageBus.DigestQuery(), timeout, RequestIds.of(ctx))
        .onSuccess(d -> WorkloadRoutes.reply(ctx, 200, new JsonObject().put("appliedIndex", d.appliedIndex())
            .put("digest", d.sha256())))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  /** This node, shaped like a cluster member, from the health component's node information. */
  private Future<JsonObject> single(RoutingContext ctx) {
    return Bus.<HealthBus.NodeInfo>request(vertx, HealthBus.NODE_INFO, new HealthBus.NodeInfoQuery(), timeout,
        RequestIds.of(ctx)).map(NodeJson::single);
  }

  private static String checked(RoutingContext ctx) {
    String value = ctx.pathParam("id");
    if (value == null || !ID.matcher(value).matches()) {
      ApiErrors.send(ctx, CairnException.invalid(List.of(new FieldError("id",
          "must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
          Map.of("value", value == null ? "" : value.length() > 128 ? value.substring(0, 128) : value)))));
      return null;
    }
    return value;
  }
}

package io.cairn.api;

import io.cairn.workload.WorkloadJson;
import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.bus.Bus;
import io.cairn.model.CairnException;
import io.cairn.model.FieldError;
import io.cairn.reconcile.ReconcileBus;
import io.cairn.reconcile.WorkloadReads;
import io.cairn.reconcile.WorkloadView;
import io.cairn.workload.WorkloadWatch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;

/** REST for workloads: parse the request, ask the workload service, render the reply. No logic here. */
final class WorkloadRoutes {
  private final Vertx vertx;
  private final Duration timeout;
  private final RenderCache rendered = new RenderCache(1024);

  /** The reconciler's published views: plain reads of one workload are answered from them, on this event loop. */
  private WorkloadReads published;

  WorkloadRoutes(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
  }

  /** Asks the reconciler once for the views it publishes (before the server listens). */
  Future<Void> start() {
    return Bus.<WorkloadReads>request(vertx, ReconcileBus.READS, new ReconcileBus.ReadsQuery(), timeout, null)
        .onSuccess(reads -> published = reads)
        .mapEmpty();
  }

  void mount(Router router) {
    router.get("/api/v1/workloads").handler(this::list);
    // reads first: the router matches each route's path before its method, so a GET otherwise
    // paid for matching the PUT route's pattern too
    router.get("/api/v1/workloads/:name").handler(this::get);
    router.put("/api/v1/workloads/:name").handler(this::apply);
    router.delete("/api/v1/workloads/:name").handler(this::delete);
    router.post("/api/v1/workloads/:name/scale").handler(this::scale);
    router.post("/api/v1/workloads/:name/retry").handler(this::retry);
  }

  private void apply(RoutingContext ctx) {
    JsonNode manifest = Bodies.read(ctx);
    this.<ReconcileBus.Applied>ask(ctx, ReconcileBus.APPLY, new ReconcileBus.Apply(ctx.pathParam("name"), manifest,
            ctx.request().getHeader("If-Match")))
        .onSuccess(applied -> reply(ctx, applied.created() ? 201 : 200, WorkloadJson.render(applied.view())))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void get(RoutingContext ctx) {
    if (Params.bool(ctx, "watch")) {
      watch(ctx, ctx.pathParam("name"));
      return;
    }
    WorkloadView local = ReadPoints.localViewSuffices(ctx) ? published.get(ctx.pathParam("name")) : null;
    if (local != null) {
      render(ctx, local);
      return;
    }
    this.<WorkloadView>ask(ctx, ReconcileBus.GET, new ReconcileBus.Get(ctx.pathParam("name")))
        .onSuccess(view -> render(ctx, view))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void render(RoutingContext ctx, WorkloadView view) {
    if (Authorizer.readerOnly(ctx)) {
      reply(ctx, 200, io.cairn.workload.Redaction.env(WorkloadJson.render(view)));
    } else {
      ctx.response().putHeader("Content-Type", "application/json").end(rendered.of(view));
    }
  }

  private void list(RoutingContext ctx) {
    if (Params.bool(ctx, "watch")) {
      watch(ctx, null);
      return;
    }
    ReconcileBus.ListWorkloads query = new ReconcileBus.ListWorkloads(ctx.queryParams().get("label"),
        ctx.queryParams().get("phase"), Params.optionalInt(ctx, "limit"), ctx.queryParams().get("pageToken"));
    this.<ReconcileBus.Page>ask(ctx, ReconcileBus.LIST, query)
        .onSuccess(page -> {
          JsonArray items = new JsonArray();
          boolean redact = Authorizer.readerOnly(ctx);
          page.items().forEach(v -> items.add(redact ? io.cairn.workload.Redaction.env(WorkloadJson.render(v))
              : WorkloadJson.render(v)));
          reply(ctx, 200, new JsonObject().put("items", items).put("nextPageToken", java.util.Objects.requireNonNullElse(page.nextPageToken(), "")));
        })
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void delete(RoutingContext ctx) {
    this.<WorkloadView>ask(ctx, ReconcileBus.DELETE, new ReconcileBus.Delete(ctx.pathParam("name")))
        .onSuccess(view -> reply(ctx, 202, WorkloadJson.render(view)))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void scale(RoutingContext ctx) {
    JsonNode body = Bodies.read(ctx);
    long replicas = replicasField(body);
    this.<WorkloadView>ask(ctx, ReconcileBus.SCALE, new ReconcileBus.Scale(ctx.pathParam("name"), replicas))
        .onSuccess(view -> reply(ctx, 200, WorkloadJson.render(view)))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  /** The scale body's shape is the front end's to check; the replica range is the service's. */
  private static long replicasField(JsonNode body) {
    if (!body.isObject()) {
      throw CairnException.invalid(List.of(new FieldError("body", "must be an object like {\"replicas\": 3}")));
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("replicas")) {
        throw CairnException.invalid(List.of(new FieldError(f, "unknown field")));
      }
    }
    JsonNode r = body.get("replicas");
    if (r == null || !r.isIntegralNumber() || !r.canConvertToLong()) {
      throw CairnException.invalid(List.of(new FieldError("replicas", "is required and must be a whole number")));
    }
    return r.asLong();
  }

  private void retry(RoutingContext ctx) {
    this.<WorkloadView>ask(ctx, ReconcileBus.RETRY, new ReconcileBus.Retry(ctx.pathParam("name")))
        .onSuccess(view -> reply(ctx, 200, WorkloadJson.render(view)))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  /**
   * {@code ?watch=true}: Server-Sent Events, {@code event: CURRENT} for each workload's state at the
   * start, then {@code MODIFIED} / {@code DELETED} as they change; data is the workload JSON.
   */
  private void watch(RoutingContext ctx, String name) {
    io.vertx.core.http.HttpServerResponse response = ctx.response();
    WorkloadWatch.start(vertx, timeout, name, (type, view) -> {
          if (response.closed()) {
            return Future.failedFuture("client gone");
          }
          if (!response.headWritten()) {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
          }
          JsonObject json = Authorizer.readerOnly(ctx) ? io.cairn.workload.Redaction.env(WorkloadJson.render(view))
              : WorkloadJson.render(view);
          return response.write("event: " + type + "\ndata: " + json.encode() + "\n\n");
        })
        .onSuccess(w -> {
          if (!response.headWritten()) {
            response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache")
                .writeHead();
          }
          response.closeHandler(v -> w.close());
        })
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private <T> Future<T> ask(RoutingContext ctx, String address, Object message) {
    return Bus.request(vertx, address, message, timeout, RequestIds.of(ctx));
  }

  static void reply(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}

package io.cairn.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.bus.Bus;
import io.cairn.model.CairnException;
import io.cairn.model.FieldError;
import io.cairn.tasks.Task;
import io.cairn.tasks.TaskJson;
import io.cairn.tasks.TaskOutput;
import io.cairn.tasks.TaskLookup;
import io.cairn.tasks.TaskOutputFollow;
import io.cairn.tasks.TaskState;
import io.cairn.tasks.TasksBus;
import io.cairn.net.ConnectionGuard;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Tasks over REST: {@code POST /api/v1/tasks}, {@code GET /api/v1/tasks[/{id}]},
 * {@code POST /api/v1/tasks/{id}/cancel}, and {@code GET /api/v1/tasks/{id}/output} (NDJSON lines
 * {@code {"stream","offset","data"}} ending with {@code {"end":true,"task":{...}}}, or the raw bytes
 * with {@code format=raw}; {@code follow=true} streams until the task ends).
 */
final class TaskRoutes {
  private final Vertx vertx;
  private final Duration timeout;

  private boolean clustered;

  /** In a cluster, tasks submitted to other nodes are read, followed and cancelled there. */
  TaskRoutes clustered(boolean clustered) {
    this.clustered = clustered;
    return this;
  }

  TaskRoutes(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
  }

  void mount(Router router) {
    router.post("/api/v1/tasks").handler(this::submit);
    router.get("/api/v1/tasks").handler(this::list);
    router.get("/api/v1/tasks/:id").handler(this::get);
    router.post("/api/v1/tasks/:id/cancel").handler(this::cancel);
    router.get("/api/v1/tasks/:id/output").handler(this::output);
  }

  /**
   * With {@code follow=true} the reply streams: a first NDJSON line {@code {"task":{...}}}, then the
   * output as from {@code /output?follow=true}, in one round trip (what {@code cairn task run} uses).
   */
  private void submit(RoutingContext ctx) {
    JsonNode body = Bodies.read(ctx);
    boolean follow = Params.bool(ctx, "follow");
    Set<String> streams = streams(ctx.queryParams().get("stream"));
    boolean raw = format(ctx);
    this.<Task>ask(ctx, TasksBus.SUBMIT, new TasksBus.Submit(body))
        .onSuccess(t -> {
          if (!follow) {
            WorkloadRoutes.reply(ctx, 201, TaskJson.render(t));
            return;
          }
          HttpServerResponse response = ctx.response().setStatusCode(201).setChunked(true)
              .putHeader("Content-Type", raw ? "application/octet-stream" : "application/x-ndjson")
              .putHeader("Cairn-Task-Id", t.id());
          if (!raw) {
            response.write(new JsonObject().put("task", TaskJson.render(t)).encode() + "\n");
          }
          stream(ctx, t.id(), 0, streams, true, raw);
        })
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void get(RoutingContext ctx) {
    TaskLookup.<Task>request(vertx, clustered, TasksBus.GET, TasksBus.ELSEWHERE_GET, new TasksBus.Get(ctx.pathParam("id")),
            timeout, RequestIds.of(ctx))
        .onSuccess(t -> WorkloadRoutes.reply(ctx, 200, render(ctx, t)))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void list(RoutingContext ctx) {
    String state = ctx.queryParams().get("state");
    TaskState wanted = null;
    if (state != null && !state.isEmpty()) {
      try {
        wanted = TaskState.valueOf(state);
      } catch (IllegalArgumentException e) {
        throw CairnException.invalid(List.of(new FieldError("state", "'" + state + "' is not one of "
            + java.util.Arrays.toString(TaskState.values()))));
      }
    }
    int limit = Params.intInRange(ctx, "limit", 100, 1, 1000);
    this.<TasksBus.Page>ask(ctx, TasksBus.LIST, new TasksBus.ListTasks(wanted, limit, ctx.queryParams().get("pageToken")))
        .onSuccess(page -> {
          JsonArray items = new JsonArray();
          page.items().forEach(t -> items.add(render(ctx, t)));
          WorkloadRoutes.reply(ctx, 200, new JsonObject().put("items", items).put("nextPageToken", java.util.Objects.requireNonNullElse(page.nextPageToken(), "")));
        })
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void cancel(RoutingContext ctx) {
    String reason = null;
    if (ctx.body() != null && ctx.body().length() > 0) {
      JsonNode body = Bodies.read(ctx);
      JsonNode r = body.get("reason");
      if (!body.isObject() || (r != null && !r.isTextual())) {
        throw CairnException.invalid(List.of(new FieldError("reason", "must be a string")));
      }
      reason = r == null ? null : r.asText();
    }
    TaskLookup.<Task>request(vertx, clustered, TasksBus.CANCEL, TasksBus.ELSEWHERE_CANCEL,
            new TasksBus.Cancel(ctx.pathParam("id"), reason), timeout, RequestIds.of(ctx))
        .onSuccess(t -> WorkloadRoutes.reply(ctx, 202, TaskJson.render(t)))
        .onFailure(e -> ApiErrors.fail(ctx, e));
  }

  private void output(RoutingContext ctx) {
    boolean follow = Params.bool(ctx, "follow");
    boolean raw = format(ctx);
    long offset = offset(ctx.queryParams().get("offset"));
    Set<String> streams = streams(ctx.queryParams().get("stream"));
    stream(ctx, ctx.pathParam("id"), offset, streams, follow, raw);
  }

  private void stream(RoutingContext ctx, String id, long offset, Set<String> streams, boolean follow, boolean raw) {
    HttpServerResponse response = ctx.response();
    TaskOutputFollow.open(vertx, clustered, timeout, RequestIds.of(ctx), id, offset, streams, follow,
            push -> write(response, push, raw), why -> ConnectionGuard.closeNow(ctx.request().connection()))
        .onSuccess(f -> {
          if (response.closed() || response.ended()) {
            f.close();
            return;
          }
          response.closeHandler(v -> f.close());
        })
        .onFailure(e -> {
          if (response.headWritten()) {
            // the reply already began: the error ends the stream as its last line
            CairnException ce = CairnException.from(e);
            response.end(ApiErrors.body(ce, RequestIds.of(ctx)).encode() + "\n");
          } else {
            ApiErrors.fail(ctx, e);
          }
        });
  }

  /** A task as this caller may see it: readers get env names without values. */
  private static JsonObject render(RoutingContext ctx, Task t) {
    return Authorizer.readerOnly(ctx) ? io.cairn.workload.Redaction.env(TaskJson.render(t)) : TaskJson.render(t);
  }

  /** Writes one push; the future completes once the bytes are handed to the socket (backpressure). */
  private static Future<Void> write(HttpServerResponse response, TasksBus.OutputPush push, boolean raw) {
    if (response.closed() || response.ended()) {
      return Future.failedFuture("client gone");
    }
    if (!response.headWritten()) {
      response.setChunked(true).putHeader("Content-Type", raw ? "application/octet-stream" : "application/x-ndjson");
    }
    Buffer out = Buffer.buffer();
    if (!raw && push.skipped() > 0) {
      out.appendString(new JsonObject().put("skipped", push.skipped())
          .put("message", push.skipped() + " bytes of output were not kept (tasks.maxOutput)").encode()).appendString("\n");
    }
    for (TaskOutput.Chunk c : push.chunks()) {
      if (raw) {
        out.appendBytes(c.data());
      } else {
        out.appendString(TaskJson.chunk(c).encode()).appendString("\n");
      }
    }
    if (push.end() != null) {
      if (!raw) {
        out.appendString(new JsonObject().put("end", true).put("task", TaskJson.render(push.end())).encode())
            .appendString("\n");
      }
      return response.end(out);
    }
    return out.length() == 0 ? Future.succeededFuture() : response.write(out);
  }

  /** True for {@code format=raw}, false for ndjson (the default). */
  private static boolean format(RoutingContext ctx) {
    String format = ctx.queryParams().get("format");
    if (format != null && !format.equals("raw") && !format.equals("ndjson")) {
      throw CairnException.invalid(List.of(new FieldError("format", "must be ndjson or raw")));
    }
    return "raw".equals(format);
  }

  private static long offset(String raw) {
    if (raw == null || raw.isEmpty()) {
      return 0;
    }
    try {
      long v = Long.parseLong(raw);
      if (v >= 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw CairnException.invalid(List.of(new FieldError("offset", "must be a whole number of bytes, 0 or more")));
  }

  static Set<String> streams(String raw) {
    if (raw == null || raw.isEmpty() || raw.equals("both")) {
      return null;
    }
    if (raw.equals("stdout") || raw.equals("stderr")) {
      return Set.of(raw);
    }
    throw CairnException.invalid(List.of(new FieldError("stream", "must be stdout, stderr or both")));
  }

  private <T> Future<T> ask(RoutingContext ctx, String address, Object message) {
    return Bus.request(vertx, address, message, timeout, RequestIds.of(ctx));
  }
}

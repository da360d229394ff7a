package io.cairn.api;

import io.cairn.workload.WorkloadJson;
import io.cairn.events.EventQuery;
import io.cairn.model.CairnException;
import io.cairn.model.Durations;
import io.cairn.model.Event;
import io.cairn.model.FieldError;
import io.cairn.storage.StorageBus;
import io.cairn.storage.StorageClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /api/v1/events}: a page of the audit stream, or with {@code watch=true} Server-Sent
 * Events, resumable from {@code Last-Event-ID}. A watcher that cannot keep up is disconnected (it
 * resumes from its last id) rather than buffered without bound.
 */
final class EventRoutes {
  private static final int MAX_LIMIT = 1000;
  private static final int MAX_PENDING = 10_000;
  private static final long HEARTBEAT_MILLIS = 15_000;
  private final Vertx vertx;
  private final StorageClient storage;

  EventRoutes(Vertx vertx, StorageClient storage) {
    this.vertx = vertx;
    this.storage = storage;
  }

  void mount(Router router) {
    router.get("/api/v1/events").handler(this::events);
  }

  private void events(RoutingContext ctx) {
    int limit = Params.intInRange(ctx, "limit", 100, 1, MAX_LIMIT);
    long after = afterSeq(ctx);
    EventQuery query = new EventQuery(blankToNull(ctx.queryParams().get("type")),
        blankToNull(ctx.queryParams().get("workload")), since(ctx.queryParams().get("since")), after, limit);
    if (Params.bool(ctx, "watch")) {
      watch(ctx, query);
      return;
    }
    storage.events(query).onSuccess(events -> {
      JsonArray items = new JsonArray();
      events.forEach(e -> items.add(json(e)));
      String next = events.size() == limit ? Long.toString(events.get(events.size() - 1).seq()) : "";
      WorkloadRoutes.reply(ctx, 200, new JsonObject().put("items", items).put("nextPageToken", next));
    }).onFailure(e -> ApiErrors.fail(ctx, e));
  }

  /** Subscribes first, then replays the backlog, so no event falls between the two. */
  private void watch(RoutingContext ctx, EventQuery query) {
    HttpServerResponse response = ctx.response().setChunked(true)
        .putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
    long[] lastSent = {query.afterSeq()};
    List<Event> pending = new ArrayList<>();
    boolean[] replaying = {true};
    MessageConsumer<Event> consumer = vertx.eventBus().localConsumer(StorageBus.EVENTS_APPENDED, m -> {
      Event e = m.body();
      if (replaying[0]) {
        pending.add(e);
        if (pending.size() > MAX_PENDING) {
          response.reset();
        }
      } else {
        send(response, e, query, lastSent);
      }
    });
    long heartbeat = vertx.setPeriodic(HEARTBEAT_MILLIS, id -> response.write(": keep-alive\n\n"));
    response.closeHandler(v -> {
      consumer.unregister();
      vertx.cancelTimer(heartbeat);
    });
    response.writeHead();
    consumer.completion()
        .compose(v -> replay(query, response, lastSent))
        .onSuccess(v -> {
          replaying[0] = false;
          pending.forEach(e -> send(response, e, query, lastSent));
          pending.clear();
        })
        .onFailure(e -> response.reset());
  }

  private Future<Void> replay(EventQuery query, HttpServerResponse response, long[] lastSent) {
    EventQuery page = new EventQuery(query.type(), query.workload(), query.sinceMillis(), lastSent[0], MAX_LIMIT);
    return storage.events(page).compose(events -> {
      events.forEach(e -> send(response, e, query, lastSent));
      return events.size() < MAX_LIMIT ? Future.succeededFuture() : replay(query, response, lastSent);
    });
  }

  private static void send(HttpServerResponse response, Event e, EventQuery q, long[] lastSent) {
    if (e.seq() <= lastSent[0] || response.closed()) {
      return;
    }
    if (response.writeQueueFull()) {
      response.reset(); // too slow: it resumes from Last-Event-ID
      return;
    }
    lastSent[0] = e.seq();
    boolean matches = (q.type() == null || q.type().equals(e.type()))
        && (q.workload() == null || q.workload().equals(e.workload()))
        && (q.sinceMillis() == null || e.time() >= q.sinceMillis());
    if (matches) {
      response.write("id: " + e.seq() + "\nevent: " + e.type() + "\ndata: " + json(e).encode() + "\n\n");
    }
  }

  static JsonObject json(Event e) {
    return new JsonObject().put("id", e.seq()).put("time", WorkloadJson.time(e.time())).put("type", e.type())
        .put("severity", e.severity().name()).put("node", e.node()).put("workload", e.workload())
        .put("instance", e.instance()).put("reason", e.reason()).put("requestId", e.requestId());
  }

  private static long afterSeq(RoutingContext ctx) {
    String raw = ctx.request().getHeader("Last-Event-ID");
    String field = "Last-Event-ID";
    if (raw == null || raw.isEmpty()) {
      raw = ctx.queryParams().get("pageToken");
      field = "pageToken";
    }
    if (raw == null || raw.isEmpty()) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(raw.trim()));
    } catch (NumberFormatException e) {
      throw CairnException.invalid(List.of(new FieldError(field, "'" + raw + "' is not an event id")));
    }
  }

  /** {@code since} is a time (RFC 3339) or a duration back from now ({@code 10m}). */
  private static Long since(String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(raw).toEpochMilli();
    } catch (DateTimeParseException notATime) {
      try {
        return System.currentTimeMillis() - Durations.parse(raw).toMillis();
      } catch (IllegalArgumentException notADuration) {
        throw CairnException.invalid(List.of(new FieldError("since",
            "'" + raw + "' is neither a time (2026-01-02T15:04:05Z) nor a duration (10m)")));
      }
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}

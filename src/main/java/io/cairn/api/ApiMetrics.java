package io.cairn.api;

import io.cairn.model.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Counts requests by route template and status, and errors by code. */
public final class ApiMetrics implements Handler<RoutingContext> {
  private static final String KEY = "apiMetrics";
  private final MeterRegistry registry;
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);
  private final java.util.concurrent.atomic.AtomicInteger logFollows = new java.util.concurrent.atomic.AtomicInteger();

  ApiMetrics(MeterRegistry registry) {
    this.registry = registry;
    for (ErrorCode code : ErrorCode.values()) {
      errors.put(code, Counter.builder("cairn_api_errors").tag("code", code.name())
          .description("API error replies by code").register(registry));
    }
    io.micrometer.core.instrument.Gauge.builder("cairn_api_log_follows", logFollows, java.util.concurrent.atomic.AtomicInteger::get)
        .description("Log streams being followed now").register(registry);
  }

  /** Open {@code follow=true} log streams: one that never drops back means a leaked subscription. */
  java.util.concurrent.atomic.AtomicInteger logFollows() {
    return logFollows;
  }

  static ApiMetrics of(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  @Override
  public void handle(RoutingContext ctx) {
    ctx.put(KEY, this);
    ctx.addEndHandler(v -> {
      String route = ctx.currentRoute() == null || ctx.currentRoute().getPath() == null
          ? "unmatched" : ctx.currentRoute().getPath();
      String status = Integer.toString(ctx.response().getStatusCode());
      requests.computeIfAbsent(route + " " + status, k -> Counter.builder("cairn_api_requests")
          .tag("route", route).tag("status", status).description("API requests by route and status")
          .register(registry)).increment();
    });
    ctx.next();
  }

  void error(ErrorCode code) {
    errors.get(code).increment();
  }
}

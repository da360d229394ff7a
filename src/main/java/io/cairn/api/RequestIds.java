package io.cairn.api;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;

/** Takes the client's X-Request-Id when it is sane, else makes one, and echoes it on every reply. */
final class RequestIds implements Handler<RoutingContext> {
  static final String HEADER = "X-Request-Id";
  private static final String KEY = "requestId";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:/+=-]{1,128}");

  static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }

  /** A random UUID-shaped id; ThreadLocalRandom because ids need uniqueness, not secrecy. */
  static String newId() {
    java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
    return new UUID(r.nextLong(), r.nextLong()).toString();
  }

  /** The client's id when it is sane, else a new one. */
  static String from(String given) {
    return given != null && SANE.matcher(given).matches() ? given : newId();
  }

  @Override
  public void handle(RoutingContext ctx) {
    String id = from(ctx.request().getHeader(HEADER));
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    ctx.next();
  }
}

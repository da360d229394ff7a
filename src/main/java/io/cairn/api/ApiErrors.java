package io.cairn.api;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place a failure becomes an HTTP reply: status from the code, JSON body, never a stack trace. */
final class ApiErrors {
  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

  private ApiErrors() {}

  static void fail(RoutingContext ctx, Throwable failure) {
    CairnException ce = CairnException.from(failure);
    if (!(failure instanceof CairnException)) {
      LOG.error("unexpected failure {} {} {}", kv("requestId", RequestIds.of(ctx)), kv("method", ctx.request().method()),
          kv("path", ctx.request().path()), failure);
    }
    send(ctx, ce);
  }

  static void send(RoutingContext ctx, CairnException ce) {
    ApiMetrics.of(ctx).error(ce.code());
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    ctx.response().setStatusCode(ce.code().httpStatus())
        .putHeader("Content-Type", "application/json")
        .end(body(ce, RequestIds.of(ctx)).encode());
  }

  static JsonObject body(CairnException ce, String requestId) {
    JsonArray details = new JsonArray();
    for (FieldError d : ce.details()) {
      JsonObject o = new JsonObject().put("field", d.field()).put("message", d.message());
      d.info().forEach(o::put);
      details.add(o);
    }
    return new JsonObject().put("error", new JsonObject()
        .put("code", ce.code().name())
        .put("message", ce.getMessage())
        .put("details", details)
        .put("requestId", requestId));
  }

  /**
   * Requests the HTTP decoder could not read (URL or headers too long, bytes that are not HTTP)
   * never reach the router: they get the same JSON error, and the connection is closed.
   */
  static void invalidRequest(io.vertx.core.http.HttpServerRequest req) {
    Throwable cause = req.decoderResult() == null ? null : req.decoderResult().cause();
    CairnException ce;
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      ce = new CairnException(ErrorCode.URI_TOO_LONG, "the request line (URL) is longer than this node accepts");
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      ce = new CairnException(ErrorCode.HEADERS_TOO_LARGE, "the request headers are larger than this node accepts");
    } else {
      ce = new CairnException(ErrorCode.INVALID_ARGUMENT, "the request is not valid HTTP");
    }
    String requestId = RequestIds.newId();
    req.response().setStatusCode(ce.code().httpStatus())
        .putHeader("Content-Type", "application/json")
        .putHeader("Connection", "close")
        .putHeader(RequestIds.HEADER, requestId)
        .end(body(ce, requestId).encode());
  }

  /** Maps the status codes Vert.x Web sets by itself (no route, wrong method, body too large) to coded errors. */
  static void fromStatus(RoutingContext ctx) {
    int status = ctx.statusCode();
    if (ctx.failure() != null && !(ctx.failure() instanceof io.vertx.ext.web.handler.HttpException)) {
      fail(ctx, ctx.failure());
      return;
    }
    CairnException ce = switch (status) {
      case 404 -> new CairnException(ErrorCode.NOT_FOUND, "no such endpoint: " + ctx.request().method() + " "
          + ctx.request().path());
      case 405 -> new CairnException(ErrorCode.METHOD_NOT_ALLOWED, ctx.request().method() + " is not allowed on "
          + ctx.request().path());
      case 413 -> new CairnException(ErrorCode.PAYLOAD_TOO_LARGE, "request body is larger than the limit");
      case 415 -> new CairnException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "unsupported content type");
      default -> status >= 400 && status < 500
          ? new CairnException(ErrorCode.INVALID_ARGUMENT, "bad request")
          : new CairnException(ErrorCode.INTERNAL, "internal error");
    };
    send(ctx, ce);
  }
}

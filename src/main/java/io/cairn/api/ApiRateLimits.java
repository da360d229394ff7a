package io.cairn.api;

import io.cairn.acl.AclToken;
import io.cairn.grpc.GrpcErrors;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.net.RateLimits;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The API port's rate limits, for REST and gRPC alike: a request counts against its source before its
 * token is looked at (a flood of guesses never reaches the token check), then against its token once
 * that is known valid. Refused: REST 429 {@code RATE_LIMITED} with {@code Retry-After}; gRPC
 * {@code RESOURCE_EXHAUSTED} with the same code and a {@code google.rpc.RetryInfo}. Probes and
 * {@code /metrics} are never limited, so orchestrators and scrapers keep working through a flood.
 */
final class ApiRateLimits {
  /**
   * The gRPC health methods, exactly: a gRPC path is not normalized, so a prefix would also exempt
   * {@code /grpc.health.v1.Health/../anything} (which the server then refuses as unknown, but unlimited).
   */
  private static final Set<String> GRPC_PROBES = Set.of("/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
      "/grpc.health.v1.Health/List");
  private final RateLimits limits;

  ApiRateLimits(RateLimits limits) {
    this.limits = limits;
  }

  /** REST, before the authorizer. */
  void bySource(RoutingContext ctx) {
    if (exempt(ctx.normalizedPath())) {
      ctx.next();
      return;
    }
    limits.bySource(ctx.request().remoteAddress()).ifPresentOrElse(r -> refuse(ctx, r), ctx::next);
  }

  /** REST, after the authorizer: counts the request against the token it carried, if any. */
  void byToken(RoutingContext ctx) {
    AclToken token = ctx.get(Authorizer.TOKEN_KEY);
    if (token == null) {
      ctx.next();
      return;
    }
    limits.byCredential("token", token.id()).ifPresentOrElse(r -> refuse(ctx, r), ctx::next);
  }

  /** gRPC, before the authorizer: false when the call was refused (and answered). */
  boolean grpcBySource(HttpServerRequest req) {
    return GRPC_PROBES.contains(req.path()) || admitted(req, limits.bySource(req.remoteAddress()));
  }

  /** gRPC, once {@code token} (null: none needed, or auth is off) is known valid: false when refused. */
  boolean grpcByToken(HttpServerRequest req, AclToken token) {
    return token == null || admitted(req, limits.byCredential("token", token.id()));
  }

  private static boolean admitted(HttpServerRequest req, Optional<RateLimits.Refusal> refusal) {
    refusal.ifPresent(r -> GrpcErrors.refuse(req, new CairnException(ErrorCode.RATE_LIMITED, r.message()),
        RequestIds.from(req.getHeader(RequestIds.HEADER)), Duration.ofSeconds(r.retryAfterSeconds())));
    return refusal.isEmpty();
  }

  private static void refuse(RoutingContext ctx, RateLimits.Refusal r) {
    ctx.response().putHeader("Retry-After", Long.toString(r.retryAfterSeconds()));
    ApiErrors.send(ctx, new CairnException(ErrorCode.RATE_LIMITED, r.message()));
  }

  /** {@code path} normalized, as the router matches it: {@code /health/../api} is not a probe. */
  private static boolean exempt(String path) {
    return path.startsWith("/health/") || path.equals("/metrics");
  }
}

package io.cairn.api;

import io.cairn.acl.AclToken;
import io.cairn.acl.Role;
import io.cairn.acl.Tokens;
import io.cairn.events.AuthDenials;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Set;

/**
 * Who may call what, for REST and gRPC alike. With {@code auth.enabled}: probes (and, unless
 * {@code auth.metricsAnonymous} is false, {@code /metrics}) and the one-time bootstrap are
 * anonymous; everything else needs a token whose role allows it: reader for reads, operator for
 * changes, admin for tokens. With auth off, requests must name an allowed Host, so a web page the
 * operator visits cannot reach a loopback-only node through DNS rebinding.
 */
final class Authorizer implements Handler<RoutingContext> {
  static final String TOKEN_KEY = "cairn.token";
  /** Token ids are 8 random bytes in hex; anything else before the dot might be a pasted secret. */
  private static final java.util.regex.Pattern TOKEN_ID = java.util.regex.Pattern.compile("[0-9a-f]{16}");
  /** gRPC methods that only read; every other Cairn method changes something. */
  private static final Set<String> GRPC_READS = Set.of("Get", "List", "Logs", "Watch", "Output", "GetNode", "ListNodes");

  private final boolean enabled;
  private final boolean metricsAnonymous;
  private final Set<String> allowedHosts;
  private final Tokens tokens;
  private final AuthDenials denials;

  /** {@code allowedHosts} empty: any Host (the node binds a wildcard address). */
  Authorizer(boolean enabled, boolean metricsAnonymous, Set<String> allowedHosts, Tokens tokens, AuthDenials denials) {
    this.denials = denials;
    this.enabled = enabled;
    this.metricsAnonymous = metricsAnonymous;
    this.allowedHosts = allowedHosts;
    this.tokens = tokens;
  }

  @Override
  public void handle(RoutingContext ctx) {
    try {
      AclToken token = check(ctx.request(), restRole(ctx.normalizedPath(), ctx.request().method()));
      if (token != null) {
        ctx.put(TOKEN_KEY, token);
      }
      ctx.next();
    } catch (CairnException e) {
      denied(ctx.request(), ctx.request().method() + " " + ctx.request().path(), e, RequestIds.of(ctx));
      ApiErrors.send(ctx, e);
    }
  }

  /** Records a refusal (401 or 403) as an AuthDenied event; other failures of the check are not about who calls. */
  void denied(HttpServerRequest req, String route, CairnException e, String requestId) {
    if (e.code() != ErrorCode.UNAUTHENTICATED && e.code() != ErrorCode.PERMISSION_DENIED) {
      return;
    }
    String source = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
    denials.record(new AuthDenials.Denial(source, tokenId(req.getHeader("Authorization")), route,
        e.code().name() + ": " + e.getMessage(), requestId));
  }

  /** The token id a request presented (the part before the dot), never its secret. */
  static String tokenId(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return "no token";
    }
    String value = authorization.strip();
    String token = value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).strip() : "";
    int dot = token.indexOf('.');
    String id = dot > 0 ? token.substring(0, dot) : "";
    return TOKEN_ID.matcher(id).matches() ? "token " + id : "token malformed";
  }

  /**
   * The role a REST request needs, or null when it is anonymous. {@code path} must be the normalized
   * path the router matches: the raw one of {@code /health/../api/v1/workloads} starts like a probe.
   */
  private Role restRole(String path, HttpMethod method) {
    if (path.startsWith("/health/")) {
      return null;
    }
    if (path.equals("/metrics")) {
      return metricsAnonymous ? null : Role.reader;
    }
    if (path.equals("/api/v1/acl/bootstrap") && method == HttpMethod.POST) {
      return null;
    }
    if (path.startsWith("/api/v1/acl/") || (path.startsWith("/api/v1/nodes/") && method == HttpMethod.DELETE)) {
      return Role.admin; // tokens, and cluster membership
    }
    return method == HttpMethod.GET || method == HttpMethod.HEAD ? Role.reader : Role.operator;
  }

  /** The role a gRPC call needs ({@code /package.Service/Method}), or null when it is anonymous. */
  static Role grpcRole(String path) {
    if (path.startsWith("/grpc.health.") || path.startsWith("/grpc.reflection.")) {
      return null;
    }
    String method = path.substring(path.lastIndexOf('/') + 1);
    return GRPC_READS.contains(method) ? Role.reader : Role.operator;
  }

  /** Checks a request (REST or gRPC) needing {@code needed}; returns its token, or null when none applies. */
  AclToken check(HttpServerRequest req, Role needed) {
    if (!enabled) {
      checkHost(req);
      return null;
    }
    if (needed == null) {
      return null;
    }
    AclToken token = tokens.authenticate(req.getHeader("Authorization"));
    Tokens.require(token, needed);
    return token;
  }

  private void checkHost(HttpServerRequest req) {
    if (allowedHosts.isEmpty()) {
      return;
    }
    HostAndPort authority = req.authority();
    if (authority == null) {
      return; // HTTP/1.0 without Host: not a browser, which is what this guards against
    }
    String host = authority.host().toLowerCase(Locale.ROOT);
    if (!allowedHosts.contains(host)) {
      throw new CairnException(ErrorCode.MISDIRECTED_REQUEST, "Host '" + host + "' is not one this node answers to "
          + "(http.allowedHosts); with auth off only local names are served");
    }
  }

  /** Whether the request's token may only read (its env values are then redacted). */
  static boolean readerOnly(RoutingContext ctx) {
    AclToken token = ctx.get(TOKEN_KEY);
    return token != null && token.role() == Role.reader;
  }
}

package io.cairn.api;

import io.cairn.config.CairnConfig;
import io.cairn.grpc.GrpcFrontEnd;
import io.cairn.net.ConnectionGuard;
import io.cairn.net.RateLimits;
import io.vertx.grpc.server.GrpcServer;
import io.cairn.storage.StorageClient;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.TimeUnit;

/** The HTTP front end: routes to the components over the event bus; holds no business logic. */
public final class ApiVerticle extends VerticleBase {
  private final CairnConfig config;
  private final String nodeId;
  private final PrometheusMeterRegistry registry;
  private final ApiMetrics metrics;
  private final ConnectionGuard guard;
  private HttpServer server;
  private ConnectionGuard.Attached guarded;
  private final io.cairn.acl.Tokens tokens = new io.cairn.acl.Tokens();
  private ReadPoints reads;
  private final io.cairn.events.AuthDenials denials;
  private final ApiRateLimits limits;

  /**
   * Several instances may be deployed: Vert.x shares their listening socket and balances connections.
   * {@code denials} is shared by all of them (and S3), so a source's refusals are counted once per node;
   * {@code limits} by all of them, so a client's budget does not depend on which event loop serves it.
   */
  public ApiVerticle(CairnConfig config, String nodeId, PrometheusMeterRegistry registry, ApiMetrics metrics,
      ConnectionGuard guard, io.cairn.events.AuthDenials denials, RateLimits limits) {
    this.denials = denials;
    this.limits = new ApiRateLimits(limits);
    this.guard = guard;
    this.config = config;
    this.nodeId = nodeId;
    this.registry = registry;
    this.metrics = metrics;
  }

  /** One set of API meters, shared by every instance of the verticle. */
  public static ApiMetrics metrics(PrometheusMeterRegistry registry) {
    return new ApiMetrics(registry);
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(new RequestIds());
    Authorizer authorizer = new Authorizer(config.auth().enabled(), config.auth().metricsAnonymous(),
        allowedHosts(), tokens, denials);
    router.route().handler(metrics);
    router.route().handler(limits::bySource);
    router.route().handler(authorizer);
    router.route().handler(limits::byToken);
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(config.httpMaxBodyBytes());
    // one route for the methods that carry bodies: with one route per method and handler, every GET
    // matched six routes by path for the router to refuse each by method (a set of allowed methods apiece)
    router.route("/api/*").method(io.vertx.core.http.HttpMethod.PUT).method(io.vertx.core.http.HttpMethod.POST)
        .method(io.vertx.core.http.HttpMethod.PATCH).handler(bodies).handler(Bodies.preParser(vertx));
    reads = new ReadPoints(vertx, config.requestTimeout(), config.cluster().writeTimeout(), config.cluster().enabled());
    router.get("/api/*").handler(reads);
    WorkloadRoutes workloads = new WorkloadRoutes(vertx, config.requestTimeout());
    workloads.mount(router);
    new LogRoutes(vertx, config.requestTimeout(), nodeId).mount(router);
    new EventRoutes(vertx, new StorageClient(vertx, config.requestTimeout())).mount(router);
    new ProbeRoutes(vertx, registry).mount(router);
    new RegistryRoutes(vertx, config.requestTimeout()).mount(router);
    new TaskRoutes(vertx, config.requestTimeout()).clustered(config.cluster().enabled()).mount(router);
    new AclRoutes(vertx, config.requestTimeout()).mount(router);
    new ClusterRoutes(vertx, config.requestTimeout(), config.cluster().enabled()).mount(router);
    router.route().failureHandler(ctx -> {
      if (ctx.failure() instanceof io.cairn.model.CairnException || ctx.statusCode() < 0) {
        ApiErrors.fail(ctx, ctx.failure());
      } else {
        ApiErrors.fromStatus(ctx);
      }
    });
    for (int status : new int[] {400, 404, 405, 413, 415}) {
      router.errorHandler(status, ApiErrors::fromStatus);
    }
    GrpcServer grpc = GrpcFrontEnd.create(vertx, config.requestTimeout(), nodeId, config.cluster().enabled());
    server = vertx.createHttpServer(guard.options(new HttpServerOptions().setHost(config.httpHost())
        .setPort(config.httpPort())));
    // one port: HTTP/1.1 and h2c REST go to the router, application/grpc to the gRPC server
    guarded = guard.attach(vertx, server, req -> {
      if (GrpcFrontEnd.isGrpc(req)) {
        if (!limits.grpcBySource(req)) {
          return;
        }
        io.cairn.acl.AclToken token;
        try {
          token = authorizer.check(req, Authorizer.grpcRole(req.path()));
          req.headers().remove(io.cairn.grpc.GrpcCalls.REDACT_HEADER);
          if (token != null && token.role() == io.cairn.acl.Role.reader) {
            req.headers().set(io.cairn.grpc.GrpcCalls.REDACT_HEADER, "true");
          }
        } catch (io.cairn.model.CairnException refused) {
          String requestId = RequestIds.from(req.getHeader(RequestIds.HEADER));
          authorizer.denied(req, "gRPC " + req.path(), refused, requestId);
          io.cairn.grpc.GrpcErrors.refuse(req, refused, requestId);
          return;
        }
        if (limits.grpcByToken(req, token)) {
          grpcCall(grpc, req);
        }
      } else {
        router.handle(req);
      }
    });
    return tokens.start(vertx, config.requestTimeout())
        .compose(v -> reads.start())
        .compose(v -> workloads.start())
        .compose(v -> server.requestHandler(guarded.handler()).invalidRequestHandler(ApiErrors::invalidRequest).listen());
  }

  /**
   * Every gRPC reply carries the read headers; a call naming a resource version is held, its body
   * buffered, until this node applied that index.
   */
  private void grpcCall(GrpcServer grpc, io.vertx.core.http.HttpServerRequest req) {
    reads.stamp(req.response().headers(), true);
    Long version;
    try {
      version = ReadPoints.grpcResourceVersion(req.headers());
    } catch (io.cairn.model.CairnException invalid) {
      io.cairn.grpc.GrpcErrors.refuse(req, invalid);
      return;
    }
    if (version == null) {
      grpc.handle(req);
      return;
    }
    req.pause();
    reads.reached(version, req.getHeader("x-request-id")).onComplete(ar -> {
      if (ar.failed()) {
        io.cairn.grpc.GrpcErrors.refuse(req, io.cairn.model.CairnException.from(ar.cause()));
        return;
      }
      grpc.handle(req);
      req.resume();
    });
  }

  /** The Host names served while auth is off; empty (any) when the API binds a wildcard address. */
  private java.util.Set<String> allowedHosts() {
    if (!config.auth().allowedHosts().isEmpty()) {
      return java.util.Set.copyOf(config.auth().allowedHosts());
    }
    String bind = config.httpHost().toLowerCase(java.util.Locale.ROOT);
    if (bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]")) {
      return java.util.Set.of();
    }
    java.util.Set<String> hosts = new java.util.HashSet<>(java.util.List.of("localhost", "127.0.0.1", "::1", "[::1]",
        bind));
    if (!config.nodeName().isBlank()) {
      hosts.add(config.nodeName().toLowerCase(java.util.Locale.ROOT));
    }
    return java.util.Set.copyOf(hosts);
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** Stops accepting, lets in-flight requests finish within the grace period, then closes. */
  @Override
  public Future<?> stop() {
    tokens.stop();
    if (reads != null) {
      reads.stop();
    }
    if (guarded != null) {
      guarded.close().run();
    }
    return server == null ? Future.succeededFuture()
        : server.shutdown(config.shutdownGracePeriod().toMillis(), TimeUnit.MILLISECONDS);
  }
}

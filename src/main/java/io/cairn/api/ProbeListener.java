package io.cairn.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

/**
 * A plaintext listener (health.port) answering only the probes, for orchestrators that cannot
 * speak TLS to the API port. Everything else gets 404; nothing here needs a token or reveals state
 * beyond what the probes show.
 */
public final class ProbeListener extends VerticleBase {
  private final String host;
  private final int port;
  private final PrometheusMeterRegistry registry;
  private HttpServer server;

  public ProbeListener(String host, int port, PrometheusMeterRegistry registry) {
    this.host = host;
    this.port = port;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      ctx.response().putHeader("Cache-Control", "no-store");
      ctx.next();
    });
    new ProbeRoutes(vertx, registry).mountProbes(router);
    router.route().last().handler(ctx -> ctx.response().setStatusCode(404).putHeader("Content-Type", "application/json")
        .end(ApiErrors.body(new io.cairn.model.CairnException(io.cairn.model.ErrorCode.NOT_FOUND,
            "this port serves only /health/live, /health/ready and /health/startup"), RequestIds.newId()).encode()));
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setIdleTimeout(10)
        .setMaxInitialLineLength(1024).setMaxHeaderSize(8192));
    return server.requestHandler(router).listen();
  }

  public int actualPort() {
    return server.actualPort();
  }
}

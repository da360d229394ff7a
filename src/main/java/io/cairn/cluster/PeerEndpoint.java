package io.cairn.cluster;

import io.cairn.cluster.peer.v1.PeerGrpcService;
import io.cairn.cluster.peer.v1.PeerService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.server.GrpcServer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer gRPC listener on cluster.port. A request is let through to the service only when it
 * carries the cluster secret (compared in constant time); anything else gets UNAUTHENTICATED and
 * a log line. The seam for TLS: the one {@link HttpServerOptions}.
 */
final class PeerEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(PeerEndpoint.class);
  private static final long MAX_REFUSAL_LOGS_PER_MINUTE = 20;

  private final Vertx vertx;
  private final byte[] secretHash;
  private HttpServer server;
  private long refusalWindowStart;
  private long refusalsLogged;

  PeerEndpoint(Vertx vertx, String secret) {
    this.vertx = vertx;
    this.secretHash = sha256(secret);
  }

  /** {@code forwarded}: binds the calls served by hand (streams with flow control, forwarded task calls). */
  Future<Integer> listen(String host, int port, PeerService service, java.util.function.Consumer<GrpcServer> forwarded) {
    // membership calls through the generated service; the rest by hand
    GrpcServer grpc = GrpcServer.server(vertx).addService(PeerGrpcService.builder(service)
        .bind(PeerGrpcService.Hello, PeerGrpcService.Join, PeerGrpcService.Heartbeat, PeerGrpcService.Leave)
        .build());
    forwarded.accept(grpc);
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
            .setIdleTimeout(60).setMaxHeaderSize(8192))
        .requestHandler(request -> {
          if (authorized(request.getHeader(PeerClients.SECRET_HEADER))) {
            grpc.handle(request);
          } else {
            refuse(request);
          }
        });
    return server.listen().map(HttpServer::actualPort);
  }

  /** Hashing first makes the comparison constant-time whatever the lengths. */
  private boolean authorized(String presented) {
    return presented != null && MessageDigest.isEqual(secretHash, sha256(presented));
  }

  private void refuse(HttpServerRequest request) {
    long now = System.currentTimeMillis();
    if (now - refusalWindowStart > 60_000) {
      refusalWindowStart = now;
      refusalsLogged = 0;
    }
    if (refusalsLogged++ < MAX_REFUSAL_LOGS_PER_MINUTE) {
      LOG.warn("refused a peer call without the cluster secret from {} to {}", request.remoteAddress(), request.path());
    }
    // a trailers-only gRPC response: status in the headers, no body
    request.response().putHeader("content-type", "application/grpc").putHeader("grpc-status", "16")
        .putHeader("grpc-message", "cluster secret missing or wrong").putHeader("cairn-error-code", "UNAUTHENTICATED")
        .end();
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}

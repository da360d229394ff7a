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
 * a log line. With TLS the port takes only mutual TLS from certificates of the cluster CA (roles
 * server and client), and a node may join as a voter only with a {@code server} certificate.
 */
final class PeerEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(PeerEndpoint.class);
  private static final long MAX_REFUSAL_LOGS_PER_MINUTE = 20;

  private final Vertx vertx;
  private final byte[] secretHash;
  private HttpServer server;
  private long refusalWindowStart;
  private long refusalsLogged;

  static final String LISTENER = "peer";
  private final io.cairn.tls.NodeTls tls;

  /** {@code tls} null: plaintext, for loopback clusters (the secret alone guards the port). */
  PeerEndpoint(Vertx vertx, String secret, io.cairn.tls.NodeTls tls) {
    this.vertx = vertx;
    this.secretHash = sha256(secret);
    this.tls = tls;
  }

  /** {@code forwarded}: binds the calls served by hand (streams with flow control, forwarded task calls). */
  Future<Integer> listen(String host, int port, PeerService service, java.util.function.Consumer<GrpcServer> forwarded) {
    // membership calls through the generated service; the rest by hand
    GrpcServer grpc = GrpcServer.server(vertx).addService(PeerGrpcService.builder(service)
        .bind(PeerGrpcService.Hello, PeerGrpcService.Heartbeat, PeerGrpcService.Leave)
        .build());
    grpc.callHandler(PeerGrpcService.Join, call -> call.handler(join -> joinAs(call, join, service)));
    forwarded.accept(grpc);
    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port).setIdleTimeout(60).setMaxHeaderSize(8192);
    if (tls != null) {
      io.cairn.tls.VertxTls.serve(options, tls, LISTENER, io.cairn.tls.Role.NODES,
          io.vertx.core.http.ClientAuth.REQUIRED);
    }
    server = vertx.createHttpServer(options)
        .requestHandler(request -> {
          if (authorized(request.getHeader(PeerClients.SECRET_HEADER))) {
            grpc.handle(request);
          } else {
            refuse(request);
          }
        });
    if (tls != null) {
      io.cairn.tls.VertxTls.reportMissingCertificates(server, tls, LISTENER);
    }
    return server.listen().map(HttpServer::actualPort);
  }

  /** A voter must prove it may vote: with TLS, by a certificate of role server. */
  private void joinAs(io.vertx.grpc.server.GrpcServerRequest<io.cairn.cluster.peer.v1.JoinRequest,
      io.cairn.cluster.peer.v1.JoinReply> call, io.cairn.cluster.peer.v1.JoinRequest join, PeerService service) {
    if (tls != null && join.getMember().getServer()
        && io.cairn.tls.Certificates.peerRole(call.connection().sslSession()) != io.cairn.tls.Role.SERVER) {
      String source = call.connection().remoteAddress().hostAddress();
      tls.failures().refused(LISTENER, source, "member " + join.getMember().getId(),
          "asked to join as a voter without a server certificate");
      call.response().status(io.vertx.grpc.common.GrpcStatus.PERMISSION_DENIED)
          .statusMessage("joining as a voter needs a certificate of role server").end();
      return;
    }
    service.join(join).onComplete(ar -> {
      if (ar.succeeded()) {
        call.response().end(ar.result());
      } else if (ar.cause() instanceof io.vertx.grpc.server.StatusException e) {
        call.response().status(e.status()).statusMessage(e.getMessage()).end();
      } else {
        call.response().status(io.vertx.grpc.common.GrpcStatus.INTERNAL).statusMessage(ar.cause().getMessage()).end();
      }
    });
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

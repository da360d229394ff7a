package io.cairn.cluster;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.resilience.Resilience;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calls to other nodes' peer service. Each goes through {@link Resilience} with a breaker per peer
 * ({@code peer:<id>}, or {@code peer:<host:port>} before the id is known), carries the cluster
 * secret, and is bounded by the policy's timeout. With TLS, every call is mutual TLS and goes only
 * to a server whose certificate the cluster CA signed for the address dialled.
 */
final class PeerClients {
  static final String SECRET_HEADER = "cairn-cluster-secret";

  private final GrpcClient client;
  private final Resilience resilience;
  private final String secret;
  private final Map<String, Long> lastContact = new ConcurrentHashMap<>();

  PeerClients(Vertx vertx, Resilience resilience, String secret, io.cairn.tls.NodeTls tls) {
    // the breaker's timeout bounds every call (Resilience policy)
    this.client = tls == null ? GrpcClient.client(vertx) : GrpcClient.client(vertx,
        io.cairn.tls.VertxTls.dial(new io.vertx.core.http.HttpClientOptions(), tls, PeerEndpoint.LISTENER));
    this.resilience = resilience;
    this.secret = secret;
  }

  static String target(String idOrAddress) {
    return "peer:" + idOrAddress;
  }

  /**
   * One unary call to {@code address}; retried with backoff only when {@code idempotent}. A refusal
   * the peer answered (wrong secret, not the leader) comes back as a CairnException with its code.
   */
  <Req, Resp> Future<Resp> call(String peer, String address, ServiceMethod<Resp, Req> method, Req request,
      boolean idempotent) {
    return resilience.call(target(peer), idempotent, () -> unary(address, method, request))
        .onSuccess(r -> lastContact.put(peer, System.currentTimeMillis()));
  }

  private <Req, Resp> Future<Resp> unary(String address, ServiceMethod<Resp, Req> method, Req request) {
    SocketAddress to;
    try {
      to = socket(address);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new CairnException(ErrorCode.INVALID_ARGUMENT, e.getMessage()));
    }
    return client.request(to, method).compose(req -> {
      req.headers().set(SECRET_HEADER, secret);
      return req.end(request).compose(v -> req.response()).compose(resp -> {
        if (resp.status() != null && resp.status() != GrpcStatus.OK) {
          return Future.failedFuture(refused(resp.status(), resp.statusMessage()));
        }
        return resp.last().recover(e -> Future.failedFuture(resp.status() != null && resp.status() != GrpcStatus.OK
            ? refused(resp.status(), resp.statusMessage()) : e));
      });
    });
  }

  /** An open server stream: the request (to cancel it) and its response (to read with backpressure). */
  record Stream<Req, Resp>(io.vertx.grpc.client.GrpcClientRequest<Req, Resp> request,
      io.vertx.grpc.client.GrpcClientResponse<Req, Resp> response) {}

  /**
   * Opens a server-streaming call; the breaker and timeout cover establishing it (up to the
   * response headers), not the life of the stream. Never retried. The response comes paused.
   */
  <Req, Resp> Future<Stream<Req, Resp>> openStream(String peer, String address, ServiceMethod<Resp, Req> method,
      Req request) {
    return resilience.call(target(peer), false, () -> client.request(socket(address), method).compose(req -> {
      req.headers().set(SECRET_HEADER, secret);
      return req.end(request).compose(v -> req.response()).compose(resp -> {
        if (resp.status() != null && resp.status() != GrpcStatus.OK) {
          return Future.failedFuture(refused(resp.status(), resp.statusMessage()));
        }
        resp.pause(); // nothing is read until the caller set its handlers and resumes
        return Future.succeededFuture(new Stream<>(req, resp));
      });
    })).onSuccess(s -> lastContact.put(peer, System.currentTimeMillis()));
  }

  private static CairnException refused(GrpcStatus status, String message) {
    ErrorCode code = switch (status) {
      case UNAUTHENTICATED -> ErrorCode.UNAUTHENTICATED;
      case FAILED_PRECONDITION -> ErrorCode.FAILED_PRECONDITION;
      case NOT_FOUND -> ErrorCode.NOT_FOUND;
      case INVALID_ARGUMENT -> ErrorCode.INVALID_ARGUMENT;
      default -> ErrorCode.UNAVAILABLE;
    };
    return new CairnException(code, "peer refused the call: " + (message == null ? status.name() : message));
  }

  static SocketAddress socket(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("'" + hostPort + "' is not host:port");
    }
    return SocketAddress.inetSocketAddress(Integer.parseInt(hostPort.substring(colon + 1)), hostPort.substring(0, colon));
  }

  CircuitBreakerState breaker(String peer) {
    return resilience.state(target(peer));
  }

  Long lastContact(String peer) {
    return lastContact.get(peer);
  }

  Future<Void> close() {
    return client.close();
  }
}

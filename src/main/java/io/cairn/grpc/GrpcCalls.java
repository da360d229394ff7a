package io.cairn.grpc;

import io.vertx.core.Future;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Binds unary methods: read the request, call, reply or fail through {@link GrpcErrors}. */
public final class GrpcCalls {
  static final String REQUEST_ID_HEADER = "x-request-id";
  /** Set by the front door on calls of reader-role tokens: env values are redacted in replies. */
  public static final String REDACT_HEADER = "x-cairn-redact-env";

  private GrpcCalls() {}

  /** What a handler knows of its call besides the message. */
  record Call(String requestId, Duration timeout, boolean redactEnv) {}

  interface Unary<Req, Resp> {
    Future<Resp> handle(Req request, Call call);
  }

  static <Req, Resp> void unary(GrpcServer server, ServiceMethod<Req, Resp> method, Duration maxTimeout,
      Unary<Req, Resp> handler) {
    server.callHandler(method, request -> {
      Call call = call(request, maxTimeout);
      request.last()
          .compose(req -> {
            try {
              return handler.handle(req, call);
            } catch (RuntimeException e) {
              return Future.failedFuture(e);
            }
          })
          .onSuccess(resp -> request.response().end(resp))
          .onFailure(e -> GrpcErrors.fail(request.response(), e, call.requestId()));
    });
  }

  /** The client's deadline, when it set one, bounds every wait inside the call. */
  static Call call(GrpcServerRequest<?, ?> request, Duration maxTimeout) {
    String given = request.headers().get(REQUEST_ID_HEADER);
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String id = given != null && !given.isBlank() && given.length() <= 128 ? given
        : new UUID(r.nextLong(), r.nextLong()).toString();
    request.response().headers().set(REQUEST_ID_HEADER, id);
    long clientMillis = request.timeout();
    Duration timeout = clientMillis > 0 && clientMillis < maxTimeout.toMillis() ? Duration.ofMillis(clientMillis)
        : maxTimeout;
    return new Call(id, timeout, "true".equals(request.headers().get(REDACT_HEADER)));
  }
}

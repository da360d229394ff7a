package io.cairn.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.FieldError;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a failure becomes a gRPC status: the mapped status code, the Cairn message, the
 * Cairn code in trailer {@value #CODE_TRAILER}, and a {@code google.rpc.Status} (ErrorInfo +
 * BadRequest) in the standard {@code grpc-status-details-bin} trailer.
 */
public final class GrpcErrors {
  public static final String CODE_TRAILER = "cairn-error-code";
  public static final String DETAILS_TRAILER = "grpc-status-details-bin";
  public static final String DOMAIN = "cairn";
  private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  public static GrpcStatus status(ErrorCode code) {
    return switch (code) {
      case INVALID_ARGUMENT, UNSUPPORTED_MEDIA_TYPE, URI_TOO_LONG, HEADERS_TOO_LARGE, MISDIRECTED_REQUEST ->
          GrpcStatus.INVALID_ARGUMENT;
      case UNAUTHENTICATED -> GrpcStatus.UNAUTHENTICATED;
      case PERMISSION_DENIED -> GrpcStatus.PERMISSION_DENIED;
      case DISK_FULL -> GrpcStatus.RESOURCE_EXHAUSTED;
      case NOT_FOUND -> GrpcStatus.NOT_FOUND;
      case CONFLICT -> GrpcStatus.ABORTED;
      case ALREADY_EXISTS -> GrpcStatus.ALREADY_EXISTS;
      case NOT_EMPTY -> GrpcStatus.FAILED_PRECONDITION;
      case PAYLOAD_TOO_LARGE, INSUFFICIENT_RESOURCES, QUEUE_FULL, RATE_LIMITED -> GrpcStatus.RESOURCE_EXHAUSTED;
      case UNSCHEDULABLE -> GrpcStatus.FAILED_PRECONDITION;
      case EXEC_FAILED, FAILED_PRECONDITION -> GrpcStatus.FAILED_PRECONDITION;
      case METHOD_NOT_ALLOWED -> GrpcStatus.UNIMPLEMENTED;
      case UNAVAILABLE -> GrpcStatus.UNAVAILABLE;
      case DEADLINE_EXCEEDED -> GrpcStatus.DEADLINE_EXCEEDED;
      case INTERNAL -> GrpcStatus.INTERNAL;
      case CHUNK_CORRUPT -> GrpcStatus.DATA_LOSS;
    };
  }

  static com.google.rpc.Status details(CairnException ce, GrpcStatus status, String requestId) {
    return details(ce, status, requestId, null);
  }

  /** {@code retryAfter}: when the client may try again (a {@code google.rpc.RetryInfo}), or null. */
  static com.google.rpc.Status details(CairnException ce, GrpcStatus status, String requestId,
      java.time.Duration retryAfter) {
    com.google.rpc.Status.Builder s = com.google.rpc.Status.newBuilder().setCode(status.code)
        .setMessage(ce.getMessage())
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(ce.code().name()).setDomain(DOMAIN)
            .putMetadata("requestId", requestId).build()));
    if (!ce.details().isEmpty()) {
      BadRequest.Builder bad = BadRequest.newBuilder();
      for (FieldError d : ce.details()) {
        bad.addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(d.field()).setDescription(d.message()));
      }
      s.addDetails(Any.pack(bad.build()));
    }
    if (retryAfter != null) {
      s.addDetails(Any.pack(com.google.rpc.RetryInfo.newBuilder().setRetryDelay(com.google.protobuf.Duration.newBuilder()
          .setSeconds(retryAfter.toSeconds())).build()));
    }
    return s.build();
  }

  /**
   * Refuses a gRPC call before it reaches a service (no token, wrong role): a trailers-only reply
   * with the same status, message, code trailer and details as any other failure.
   */
  public static void refuse(io.vertx.core.http.HttpServerRequest req, CairnException ce) {
    refuse(req, ce, java.util.UUID.randomUUID().toString());
  }

  /** As {@link #refuse(io.vertx.core.http.HttpServerRequest, CairnException)}, under the given request id. */
  public static void refuse(io.vertx.core.http.HttpServerRequest req, CairnException ce, String requestId) {
    refuse(req, ce, requestId, null);
  }

  /**
   * As {@link #refuse(io.vertx.core.http.HttpServerRequest, CairnException, String)}, telling the client
   * when to try again ({@code retryAfter}, or null): a {@code google.rpc.RetryInfo} in the details.
   */
  public static void refuse(io.vertx.core.http.HttpServerRequest req, CairnException ce, String requestId,
      java.time.Duration retryAfter) {
    GrpcStatus status = status(ce.code());
    req.response().setStatusCode(200)
        .putHeader(GrpcCalls.REQUEST_ID_HEADER, requestId)
        .putHeader("content-type", "application/grpc")
        .putHeader("grpc-status", Integer.toString(status.code))
        .putHeader("grpc-message", percentEncode(ce.getMessage()))
        .putHeader(CODE_TRAILER, ce.code().name())
        .putHeader(DETAILS_TRAILER, Base64.getEncoder().withoutPadding()
            .encodeToString(details(ce, status, requestId, retryAfter).toByteArray()))
        .end();
  }

  /** gRPC's percent-encoding of grpc-message: printable ASCII except '%' as is, the rest as %XX of UTF-8. */
  private static String percentEncode(String message) {
    StringBuilder b = new StringBuilder();
    for (byte c : message.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      if (c >= 0x20 && c < 0x7f && c != '%') {
        b.append((char) c);
      } else {
        b.append('%').append(String.format("%02X", c & 0xff));
      }
    }
    return b.toString();
  }

  public static void fail(GrpcServerResponse<?, ?> response, Throwable failure, String requestId) {
    if (failure instanceof io.vertx.grpc.common.CodecException
        || failure instanceof com.google.protobuf.InvalidProtocolBufferException) {
      // the client's bytes, not our fault: a client error, logged quietly
      LOG.debug("undecodable gRPC message requestId={}: {}", requestId, failure.getMessage());
      failure = new CairnException(ErrorCode.INVALID_ARGUMENT, "the request message is not a valid protobuf message "
          + "for this method");
    }
    CairnException ce = CairnException.from(failure);
    if (!(failure instanceof CairnException)) {
      LOG.error("unexpected gRPC failure requestId={}", requestId, failure);
    }
    GrpcStatus status = status(ce.code());
    response.trailers().set(CODE_TRAILER, ce.code().name());
    response.trailers().set(DETAILS_TRAILER,
        Base64.getEncoder().withoutPadding().encodeToString(details(ce, status, requestId).toByteArray()));
    response.status(status).statusMessage(ce.getMessage()).end();
  }
}

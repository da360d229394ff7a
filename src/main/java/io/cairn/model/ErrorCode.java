package io.cairn.model;

/**
 * Every failure a client can see has one of these codes. The HTTP status lives here because it is
 * part of the code's meaning; gRPC and CLI mappings live with their front ends, one place each.
 * Each code also has a fixed wire number (event-bus failure code): never derived from enum order,
 * so adding a code can never change what another one means on the wire.
 */
public enum ErrorCode {
  INVALID_ARGUMENT(400, 1000),
  /** No credentials, or credentials the node does not know. */
  UNAUTHENTICATED(401, 1019),
  /** Known credentials whose role does not allow the operation. */
  PERMISSION_DENIED(403, 1020),
  NOT_FOUND(404, 1001),
  METHOD_NOT_ALLOWED(405, 1002),
  CONFLICT(409, 1003),
  ALREADY_EXISTS(409, 1004),
  NOT_EMPTY(409, 1005),
  PAYLOAD_TOO_LARGE(413, 1006),
  /** The request line (URL) is longer than the listener accepts. */
  URI_TOO_LONG(414, 1021),
  UNSUPPORTED_MEDIA_TYPE(415, 1007),
  /** The request was sent to a Host this node does not answer for (DNS rebinding guard). */
  MISDIRECTED_REQUEST(421, 1022),
  INSUFFICIENT_RESOURCES(422, 1008),
  EXEC_FAILED(422, 1009),
  /** No node satisfies a task's placement or resources. */
  UNSCHEDULABLE(422, 1010),
  /** The chosen node's task queue is full: try again later. */
  QUEUE_FULL(429, 1011),
  /** The caller (its source address or its token) is over {@code limits.requestsPerSecond}: retry after the time given. */
  RATE_LIMITED(429, 1025),
  /** The request's headers are larger than the listener accepts. */
  HEADERS_TOO_LARGE(431, 1023),
  CHUNK_CORRUPT(500, 1012),
  FAILED_PRECONDITION(412, 1013),
  UNAVAILABLE(503, 1014),
  DEADLINE_EXCEEDED(504, 1015),
  /** The node's data disk has no room for the write; nothing was stored. */
  DISK_FULL(507, 1024),
  INTERNAL(500, 1016);

  private final int httpStatus;
  private final int wireCode;

  ErrorCode(int httpStatus, int wireCode) {
    this.httpStatus = httpStatus;
    this.wireCode = wireCode;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The fixed number this code travels as in event-bus failures. */
  public int busFailureCode() {
    return wireCode;
  }

  public static ErrorCode fromBusFailureCode(int failureCode) {
    for (ErrorCode c : values()) {
      if (c.wireCode == failureCode) {
        return c;
      }
    }
    return INTERNAL;
  }
}

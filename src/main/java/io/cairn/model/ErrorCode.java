package io.cairn.model;

/**
 * Every failure a client can see has one of these codes. The HTTP status lives here because it is
 * part of the code's meaning; gRPC and CLI mappings live with their front ends, one place each.
 */
public enum ErrorCode {
  INVALID_ARGUMENT(400),
  NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  CONFLICT(409),
  ALREADY_EXISTS(409),
  NOT_EMPTY(409),
  PAYLOAD_TOO_LARGE(413),
  UNSUPPORTED_MEDIA_TYPE(415),
  INSUFFICIENT_RESOURCES(422),
  EXEC_FAILED(422),
  /** No node satisfies a task's placement or resources. */
  UNSCHEDULABLE(422),
  /** The chosen node's task queue is full: try again later. */
  QUEUE_FULL(429),
  CHUNK_CORRUPT(500),
  FAILED_PRECONDITION(412),
  UNAVAILABLE(503),
  DEADLINE_EXCEEDED(504),
  INTERNAL(500);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** Event-bus failure codes carry the enum's ordinal offset so a reply failure maps back exactly. */
  public int busFailureCode() {
    return 1000 + ordinal();
  }

  public static ErrorCode fromBusFailureCode(int failureCode) {
    int index = failureCode - 1000;
    ErrorCode[] all = values();
    return index >= 0 && index < all.length ? all[index] : INTERNAL;
  }
}

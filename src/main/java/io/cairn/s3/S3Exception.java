package io.cairn.s3;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;

/** A failure in S3's own terms: its error code and HTTP status, so clients' retry logic works. */
final class S3Exception extends RuntimeException {
  private final String code;
  private final int status;

  S3Exception(int status, String code, String message) {
    super(message, null, false, false);
    this.code = code;
    this.status = status;
  }

  String code() {
    return code;
  }

  int status() {
    return status;
  }

  static S3Exception accessDenied(String why) {
    return new S3Exception(403, "AccessDenied", why);
  }

  /** Over the request rate limit: S3's own answer, which SDKs retry with backoff. */
  static S3Exception slowDown(String why) {
    return new S3Exception(503, "SlowDown", why);
  }

  static S3Exception invalidArgument(String why) {
    return new S3Exception(400, "InvalidArgument", why);
  }

  /** Cairn's codes as S3 knows them; NOT_FOUND tells bucket from key by the detail's field. */
  static S3Exception from(Throwable failure) {
    if (failure instanceof S3Exception s3) {
      return s3;
    }
    CairnException ce = CairnException.from(failure);
    String s3Code = ce.details().stream().map(d -> d.info().get("s3Code")).filter(java.util.Objects::nonNull)
        .findFirst().orElse(null);
    if (s3Code != null) {
      return new S3Exception(ce.code().httpStatus(), s3Code, ce.getMessage());
    }
    boolean aboutBucket = ce.details().stream().anyMatch(d -> d.field().equals("bucket"));
    return switch (ce.code()) {
      case NOT_FOUND -> aboutBucket ? new S3Exception(404, "NoSuchBucket", ce.getMessage())
          : new S3Exception(404, "NoSuchKey", ce.getMessage());
      case ALREADY_EXISTS -> new S3Exception(409, "BucketAlreadyOwnedByYou", ce.getMessage());
      case NOT_EMPTY -> new S3Exception(409, "BucketNotEmpty", ce.getMessage());
      case INVALID_ARGUMENT -> new S3Exception(400, "InvalidArgument", ce.getMessage());
      case UNAVAILABLE, DEADLINE_EXCEEDED -> new S3Exception(503, "ServiceUnavailable", ce.getMessage());
      // as MinIO answers on a full drive
      case DISK_FULL -> new S3Exception(507, "XMinioStorageFull", ce.getMessage());
      case CHUNK_CORRUPT -> new S3Exception(500, "InternalError", "stored data is corrupt and was not served: "
          + ce.getMessage());
      default -> new S3Exception(500, "InternalError", ce.code() == ErrorCode.INTERNAL ? "internal error" : ce.getMessage());
    };
  }
}

package io.cairn.model;

import java.util.List;

/** The one exception type that carries a client-visible {@link ErrorCode}. */
public class CairnException extends RuntimeException {
  private final ErrorCode code;
  private final List<FieldError> details;

  public CairnException(ErrorCode code, String message) {
    this(code, message, List.of());
  }

  public CairnException(ErrorCode code, String message, List<FieldError> details) {
    super(FieldError.clip(message, FieldError.MAX_MESSAGE_CHARS), null, false, false);
    this.code = code;
    this.details = List.copyOf(details);
  }

  public ErrorCode code() {
    return code;
  }

  public List<FieldError> details() {
    return details;
  }

  public static CairnException notFound(String what, String name) {
    return new CairnException(ErrorCode.NOT_FOUND, what + " '" + name + "' not found");
  }

  /** Field errors reported at most; the message says how many there were in all. */
  public static final int MAX_DETAILS = 100;

  public static CairnException invalid(List<FieldError> details) {
    int total = details instanceof FieldErrors counted ? counted.total() : details.size();
    String message = total == 1
        ? details.get(0).field() + ": " + details.get(0).message()
        : total + " fields are invalid"
            + (total > MAX_DETAILS ? " (the first " + MAX_DETAILS + " are listed)" : "");
    return new CairnException(ErrorCode.INVALID_ARGUMENT, message,
        details.size() > MAX_DETAILS ? details.subList(0, MAX_DETAILS) : details);
  }

  /**
   * Any failure as a CairnException: a full disk (from the file system or RocksDB) is DISK_FULL,
   * other unknown ones become INTERNAL without leaking their text.
   */
  public static CairnException from(Throwable failure) {
    if (failure instanceof CairnException ce) {
      return ce;
    }
    if (isDiskFull(failure)) {
      return new CairnException(ErrorCode.DISK_FULL, "the node's data disk is full; nothing was stored "
          + "(free space, or delete objects: unreferenced chunks are reclaimed at once when space is short)");
    }
    return new CairnException(ErrorCode.INTERNAL, "internal error");
  }

  /** ENOSPC anywhere in the cause chain ("No space left on device"; RocksDB says "NoSpace"). */
  public static boolean isDiskFull(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("NoSpace"))) {
        return true;
      }
    }
    return false;
  }
}

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
    super(message, null, false, false);
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

  public static CairnException invalid(List<FieldError> details) {
    String message = details.size() == 1
        ? details.get(0).field() + ": " + details.get(0).message()
        : details.size() + " fields are invalid";
    return new CairnException(ErrorCode.INVALID_ARGUMENT, message, details);
  }

  /** Any failure as a CairnException: unknown ones become INTERNAL without leaking their text. */
  public static CairnException from(Throwable failure) {
    if (failure instanceof CairnException ce) {
      return ce;
    }
    return new CairnException(ErrorCode.INTERNAL, "internal error");
  }
}

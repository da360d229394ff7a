package io.cairn.model;

import java.util.Map;

/**
 * One problem with one field of a request, named by its path (e.g. {@code spec.replicas}).
 * {@code info} carries structured facts a client may act on (e.g. requested and available amounts).
 * Field paths and messages can quote client input (a map key, a bad value): both are cut to a
 * fixed size here, so no error can grow with what a request sent.
 */
public record FieldError(String field, String message, Map<String, String> info) {
  public static final int MAX_FIELD_CHARS = 256;
  public static final int MAX_MESSAGE_CHARS = 1024;

  public FieldError {
    field = clip(field, MAX_FIELD_CHARS);
    message = clip(message, MAX_MESSAGE_CHARS);
    info = Map.copyOf(info);
  }

  public FieldError(String field, String message) {
    this(field, message, Map.of());
  }

  /** {@code text} cut to at most {@code max} characters, marked with "..." when cut. */
  public static String clip(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    return text.substring(0, max - 3) + "...";
  }
}

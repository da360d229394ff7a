package io.cairn.model;

import java.util.Map;

/**
 * One problem with one field of a request, named by its path (e.g. {@code spec.replicas}).
 * {@code info} carries structured facts a client may act on (e.g. requested and available amounts).
 */
public record FieldError(String field, String message, Map<String, String> info) {
  public FieldError(String field, String message) {
    this(field, message, Map.of());
  }
}

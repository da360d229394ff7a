package io.cairn.workload;

import io.vertx.core.json.JsonObject;

/** What a reader-role caller sees of env values: their names only (values may be secrets). */
public final class Redaction {
  public static final String REDACTED = "<redacted>";

  private Redaction() {}

  /** A rendered workload or task with {@code spec.env} values replaced; the input is not changed. */
  public static JsonObject env(JsonObject rendered) {
    JsonObject spec = rendered.getJsonObject("spec");
    if (spec == null || spec.getJsonObject("env") == null || spec.getJsonObject("env").isEmpty()) {
      return rendered;
    }
    JsonObject copy = rendered.copy();
    JsonObject env = copy.getJsonObject("spec").getJsonObject("env");
    env.fieldNames().forEach(k -> env.put(k, REDACTED));
    return copy;
  }
}

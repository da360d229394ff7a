package io.cairn.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Manifests for tests, built as JSON. */
public final class Manifests {
  private Manifests() {}

  public static JsonObject workload(String name, int replicas, String... command) {
    return new JsonObject().put("apiVersion", "cairn/v1").put("kind", "Workload")
        .put("metadata", new JsonObject().put("name", name).put("labels", new JsonObject().put("app", name)))
        .put("spec", new JsonObject().put("replicas", replicas).put("command", new JsonArray(java.util.List.of(command)))
            .put("stopGracePeriod", "2s"));
  }

  public static JsonObject withRestart(JsonObject manifest, String mode, int maxRestarts, String initial, String max) {
    manifest.getJsonObject("spec").put("restartPolicy", new JsonObject().put("mode", mode).put("maxRestarts", maxRestarts)
        .put("backoff", new JsonObject().put("initial", initial).put("max", max)));
    return manifest;
  }
}

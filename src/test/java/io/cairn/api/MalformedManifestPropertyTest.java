package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.strings;

import io.cairn.testing.Manifests;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Random damage to a valid manifest (wrong types, huge numbers, unknown fields, truncation, garbage,
 * wrong media types) must always get a 4xx JSON error with a code, never a 500 or a stack trace.
 */
@Timeout(300)
class MalformedManifestPropertyTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  /** Values that are wrong somewhere: each is tried in every field. */
  static final List<Object> ODD_VALUES = List.of(-1, 0, 1, 1001, Long.MAX_VALUE, Double.MAX_VALUE, 1.5, -0.0,
      "", " ", "x", "99999999999999999999999999", "1e400", "250m", "64Mi", "-5s", "10s", "Always", "\u0000",
      "\uD83D\uDE00", "a".repeat(300), true, false, new JsonArray(), new JsonArray().add(1), new JsonArray().add(""),
      new JsonObject(), new JsonObject().put("a", 1), new JsonObject().put("", ""));

  static final List<String> PATHS = List.of("apiVersion", "kind", "metadata", "metadata.name", "metadata.labels",
      "metadata.labels.app", "metadata.labels.bad key", "spec", "spec.replicas", "spec.driver", "spec.command",
      "spec.args", "spec.env", "spec.env.1BAD", "spec.env.OK", "spec.workingDir", "spec.resources",
      "spec.resources.cpu", "spec.resources.memory", "spec.restartPolicy", "spec.restartPolicy.mode",
      "spec.restartPolicy.maxRestarts", "spec.restartPolicy.backoff", "spec.restartPolicy.backoff.initial",
      "spec.restartPolicy.backoff.max", "spec.stopGracePeriod", "spec.unknownField", "extra");

  static final List<BiFunction<String, Integer, String[]>> DAMAGE = List.of(
      // [contentType, body]
      (text, n) -> new String[] {"application/json", text.substring(0, Math.min(text.length(), n))},
      (text, n) -> new String[] {"application/yaml", text.substring(0, Math.min(text.length(), n))},
      (text, n) -> new String[] {"text/plain", text},
      (text, n) -> new String[] {"application/json", "[" + text + "]"},
      (text, n) -> new String[] {"application/json", text + text},
      (text, n) -> new String[] {"application/yaml", "spec: [" + text},
      (text, n) -> new String[] {"application/yaml", "---\n" + text + "\n---\n" + text},
      (text, n) -> new String[] {"application/json", "{\"spec\":{\"replicas\":" + "9".repeat(n + 1) + "}}"},
      (text, n) -> new String[] {"application/json", "{\"spec\":".repeat(n + 1)},
      (text, n) -> new String[] {"application/json", text});

  static JsonObject setPath(JsonObject root, String path, Object value) {
    String[] parts = path.split("\\.");
    JsonObject at = root;
    for (int i = 0; i < parts.length - 1; i++) {
      Object next = at.getValue(parts[i]);
      if (!(next instanceof JsonObject)) {
        next = new JsonObject();
        at.put(parts[i], next);
      }
      at = (JsonObject) next;
    }
    at.put(parts[parts.length - 1], value);
    return root;
  }

  @Test
  void damagedManifestsGetA4xxJsonErrorNeverA500() {
    qt().withExamples(400).withShrinkCycles(50).forAll(
            integers().between(0, PATHS.size() - 1),
            integers().between(0, ODD_VALUES.size() - 1),
            integers().between(0, DAMAGE.size() - 1),
            strings().basicLatinAlphabet().ofLengthBetween(0, 12))
        .checkAssert((pathIndex, valueIndex, damageIndex, noise) -> {
          JsonObject manifest = setPath(Manifests.workload("prop", 1, "sleep", "300"), PATHS.get(pathIndex),
              ODD_VALUES.get(valueIndex));
          String text = manifest.encode();
          String[] request = DAMAGE.get(damageIndex).apply(text.replace("sleep", "sleep" + noise.replaceAll("[^a-z]", "")),
              noise.length() * 7);
          TestNode.Reply reply = node.put("/api/v1/workloads/prop", request[0], request[1]);
          assertThat(reply.status()).as("status for %s %s", request[0], request[1]).isLessThan(500);
          if (reply.status() >= 400) {
            JsonObject error = reply.json().getJsonObject("error");
            assertThat(error.getString("code")).isNotBlank();
            assertThat(error.getString("message")).isNotBlank();
            assertThat(reply.body()).doesNotContain("Exception").doesNotContain("\tat ");
          } else {
            node.delete("/api/v1/workloads/prop");
            org.awaitility.Awaitility.await().until(() -> node.get("/api/v1/workloads/prop").status() == 404);
          }
        });
  }
}

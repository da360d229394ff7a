package io.cairn.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.config.Settings;
import io.cairn.workload.ManifestValidator;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One rule for labels: a node's (node.labels) are accepted exactly when a workload's would be. */
class LabelsTest {
  static final ManifestValidator.Policy POLICY = new ManifestValidator.Policy(0, List.of(Path.of("/tmp")));

  @Test
  void nodeAndWorkloadLabelsFollowTheSameRule() {
    List<List<String>> cases = List.of(List.of("zone", "a"), List.of("example.com/rack", "r1"), List.of("k", ""),
        List.of("a_b.c-d", "v.1_x-y"), List.of("a".repeat(63), "v"), List.of("a".repeat(64), "v"),
        List.of("k", "v".repeat(63)), List.of("k", "v".repeat(64)), List.of("k", "v".repeat(100 * 1024)),
        List.of("-bad", "v"), List.of("bad.", "v"), List.of("Bad.Prefix/k", "v"), List.of("p/", "v"),
        List.of("a/b/c", "v"), List.of("d".repeat(254) + "/k", "v"), List.of("k", "nul\0inside"));
    for (List<String> c : cases) {
      boolean workload = workloadAccepts(Map.of(c.get(0), c.get(1)));
      boolean node = nodeAccepts(c.get(0) + "=" + c.get(1));
      assertThat(node).as(Labels.clip(c.get(0)) + "=" + Labels.clip(c.get(1))).isEqualTo(workload);
    }
    assertThat(nodeAccepts("k=" + "v".repeat(100 * 1024))).isFalse();
    assertThat(nodeAccepts("zone=a")).isTrue();
  }

  @Test
  void atMost64LabelsEither() {
    Map<String, String> labels = new LinkedHashMap<>();
    for (int i = 0; i < 64; i++) {
      labels.put("k" + i, "v");
    }
    assertThat(workloadAccepts(labels)).isTrue();
    assertThat(nodeAccepts(pairs(labels))).isTrue();
    labels.put("one-more", "v");
    assertThat(workloadAccepts(labels)).isFalse();
    assertThat(nodeAccepts(pairs(labels))).isFalse();
  }

  static String pairs(Map<String, String> labels) {
    return String.join(",", labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
  }

  static boolean workloadAccepts(Map<String, String> labels) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ObjectNode l = root.putObject("metadata").putObject("labels");
    labels.forEach(l::put);
    root.putObject("spec").putArray("command").add("sleep").add("1");
    try {
      ManifestValidator.validate("web", root, POLICY);
      return true;
    } catch (CairnException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      return false;
    }
  }

  static boolean nodeAccepts(String raw) {
    try {
      Settings.NODE_LABELS.parse(raw);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}

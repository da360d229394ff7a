package io.cairn.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders conf/cairn.yaml from {@link Settings}: every setting, its default and what it does. */
public final class ConfigFile {
  private ConfigFile() {}

  public static String render() {
    StringBuilder out = new StringBuilder();
    out.append("# Cairn node configuration: every setting with its default.\n")
        .append("# Precedence: command-line flags > environment (CAIRN_ + path in upper snake case) > this file > defaults.\n")
        .append("# Durations: 500ms, 10s, 1m30s, 2h. Sizes: 64Ki, 10Mi, 1Gi.\n");
    Map<String, List<Setting<?>>> groups = new LinkedHashMap<>();
    for (Setting<?> s : Settings.ALL) {
      String group = s.path().substring(0, s.path().indexOf('.'));
      groups.computeIfAbsent(group, g -> new ArrayList<>()).add(s);
    }
    groups.forEach((group, settings) -> {
      out.append('\n').append(group).append(":\n");
      String subgroup = null;
      for (Setting<?> s : settings) {
        String leaf = s.path().substring(group.length() + 1);
        // one level of nesting (registry.redis.url): written as a nested map, as an operator would
        int dot = leaf.indexOf('.');
        String indent = "  ";
        if (dot > 0) {
          if (!leaf.substring(0, dot).equals(subgroup)) {
            subgroup = leaf.substring(0, dot);
            out.append("  ").append(subgroup).append(":\n");
          }
          leaf = leaf.substring(dot + 1);
          indent = "    ";
        } else {
          subgroup = null;
        }
        out.append(indent).append("# ").append(s.description()).append(" (").append(s.envName()).append(")\n");
        out.append(indent).append(leaf).append(": ").append(yamlScalar(s.defaultText())).append('\n');
      }
    });
    return out.toString();
  }

  private static String yamlScalar(String text) {
    return text.isEmpty() || !text.matches("[A-Za-z0-9./_-]+") ? "\"" + text + "\"" : text;
  }
}

package io.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.cairn.model.Json;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Prints documents as json, yaml, or aligned table rows with human ages. */
final class Output {
  enum Format { table, json, yaml }

  private static final ObjectMapper PRETTY = Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private Output() {}

  static void document(PrintStream out, Format format, JsonNode doc) {
    try {
      if (format == Format.yaml) {
        out.print(YAML.writeValueAsString(doc));
      } else {
        out.println(PRETTY.writeValueAsString(doc));
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Columns padded to the widest cell, two spaces apart, like kubectl and nomad. */
  static void table(PrintStream out, List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    int[] widths = new int[header.size()];
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + widths[i] + "s  ", row.get(i)));
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /** "3m12s", "2h5m", "4d3h": two units at most, the way operators read ages. */
  static String age(String since, Instant now) {
    if (since == null || since.isEmpty()) {
      return "-";
    }
    return seconds(Math.max(0, Duration.between(Instant.parse(since), now).toSeconds()));
  }

  /** A span of seconds the same way: "45s", "3m12s", "2h5m". */
  static String seconds(long s) {
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m" + (s % 60 > 0 ? s % 60 + "s" : "");
    }
    if (s < 86_400) {
      return s / 3600 + "h" + (s % 3600 / 60 > 0 ? s % 3600 / 60 + "m" : "");
    }
    return s / 86_400 + "d" + (s % 86_400 / 3600 > 0 ? s % 86_400 / 3600 + "h" : "");
  }

  static String text(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? "-" : node.asText();
  }
}

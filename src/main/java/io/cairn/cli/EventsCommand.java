package io.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.model.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn events}: the node's audit stream ({@code GET /api/v1/events}), filtered, oldest first. */
@Command(name = "events", mixinStandardHelpOptions = true,
    description = {"List the node's audit events, oldest first (AuthDenied, WorkloadApplied, InstanceExited, ...).",
        "With --watch, print the matching ones kept so far and then each new one as it happens."})
public final class EventsCommand implements Callable<Integer> {
  static final List<String> HEADER = List.of("ID", "AGE", "SEVERITY", "TYPE", "WORKLOAD", "INSTANCE", "REASON");
  /** The most the node returns in one page. */
  private static final int PAGE = 1000;

  @Mixin ClientOptions client;

  @Option(names = "--type", paramLabel = "TYPE", description = "Only events of this type, e.g. AuthDenied.")
  String type;

  @Option(names = "--workload", paramLabel = "NAME", description = "Only events about this workload.")
  String workload;

  @Option(names = "--since", paramLabel = "WHEN",
      description = "Only events from this time on: a time (2026-01-02T15:04:05Z) or a duration back from now (10m).")
  String since;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N events (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = {"-w", "--watch"}, description = "Keep printing new events as they happen (--limit does not apply).")
  boolean watch;

  @Override
  public Integer call() throws IOException {
    if (limit < 1) {
      throw CliException.usage("--limit must be at least 1");
    }
    if (watch) {
      return follow();
    }
    List<JsonNode> items = new ArrayList<>();
    String token = "";
    do {
      String q = "/api/v1/events?limit=" + Math.min(PAGE, limit - items.size()) + filters()
          + (token.isEmpty() ? "" : "&pageToken=" + encode(token));
      JsonNode page = client.http().get(q).body();
      page.path("items").forEach(items::add);
      token = page.path("nextPageToken").asText("");
    } while (!token.isEmpty() && items.size() < limit);
    if (client.format() == Output.Format.table) {
      Instant now = Instant.now();
      Output.table(Cli.out(), HEADER, items.stream().map(e -> row(e, now)).toList());
    } else {
      ObjectNode doc = JsonNodeFactory.instance.objectNode();
      doc.putArray("items").addAll(items);
      Output.document(Cli.out(), client.format(), doc);
    }
    return 0;
  }

  /** Server-Sent Events: one table row (or one JSON line) per event, until the node closes the stream. */
  private int follow() throws IOException {
    boolean table = client.format() == Output.Format.table;
    if (table) {
      Output.table(Cli.out(), HEADER, List.of());
    }
    try (InputStream body = client.http().stream("/api/v1/events?watch=true" + filters());
        BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        if (!line.startsWith("data: ")) {
          continue;
        }
        JsonNode e = Json.MAPPER.readTree(line.substring(6));
        Cli.out().println(table ? String.join("  ", row(e, Instant.now())) : Json.MAPPER.writeValueAsString(e));
        Cli.out().flush();
      }
    }
    return 0;
  }

  private String filters() {
    StringBuilder q = new StringBuilder();
    if (type != null) {
      q.append("&type=").append(encode(type));
    }
    if (workload != null) {
      q.append("&workload=").append(encode(workload));
    }
    if (since != null) {
      q.append("&since=").append(encode(since));
    }
    return q.toString();
  }

  static List<String> row(JsonNode e, Instant now) {
    return List.of(e.path("id").asText(), Output.age(e.path("time").asText(null), now), Output.text(e.path("severity")),
        Output.text(e.path("type")), Output.text(e.path("workload")), Output.text(e.path("instance")),
        Output.text(e.path("reason")));
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}

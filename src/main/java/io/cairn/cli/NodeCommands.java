package io.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cairn node ...}. */
@Command(name = "node", description = "Inspect this node and the cluster's members.", mixinStandardHelpOptions = true,
    subcommands = {NodeCommands.Info.class, NodeCommands.ListNodes.class, NodeCommands.Get.class,
        NodeCommands.Remove.class})
public final class NodeCommands {
  private NodeCommands() {}

  @Command(name = "info", description = "Id, version, capacity and usage of the node.")
  static final class Info implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode n = client.http().get("/api/v1/node").body();
      if (client.format() != Output.Format.table) {
        Output.document(Cli.out(), client.format(), n);
        return 0;
      }
      JsonNode cap = n.path("capacity");
      JsonNode use = n.path("usage");
      Output.table(Cli.out(), List.of("FIELD", "VALUE"), List.of(
          List.of("id", n.path("id").asText()),
          List.of("name", n.path("name").asText()),
          List.of("version", n.path("version").asText()),
          List.of("up", Output.age(n.path("startedAt").asText(null), Instant.now())),
          List.of("cpus", cap.path("cpus").asText() + " (" + use.path("cpuPercent").asText() + "% used)"),
          List.of("memory", gib(cap.path("memoryBytes").asLong()) + " (" + use.path("memoryPercent").asText() + "% used)"),
          List.of("disk", gib(cap.path("diskBytes").asLong()) + " (" + use.path("diskPercent").asText() + "% used)")));
      return 0;
    }

    private static String gib(long bytes) {
      return String.format("%.1fGi", bytes / (double) (1L << 30));
    }
  }

  @Command(name = "list", description = "Every member of the cluster: state, Raft role, addresses, last heartbeat.")
  static final class ListNodes implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode items = client.http().get("/api/v1/nodes").body().path("items");
      if (client.format() != Output.Format.table) {
        Output.document(Cli.out(), client.format(), items);
        return 0;
      }
      List<List<String>> rows = new java.util.ArrayList<>();
      Instant now = Instant.now();
      for (JsonNode n : items) {
        rows.add(List.of(n.path("id").asText(), n.path("name").asText(), n.path("state").asText(),
            n.path("raftRole").asText(), n.path("addresses").path("api").asText(""),
            n.path("lastHeartbeat").isTextual() ? Output.age(n.path("lastHeartbeat").asText(), now) + " ago" : "-",
            labels(n.path("labels"))));
      }
      Output.table(Cli.out(), List.of("ID", "NAME", "STATE", "ROLE", "API", "HEARTBEAT", "LABELS"), rows);
      return 0;
    }
  }

  @Command(name = "get", description = "One member of the cluster, in full.")
  static final class Get implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "ID", description = "The node's id (see cairn node list).")
    String id;

    @Override
    public Integer call() {
      JsonNode n = client.http().get("/api/v1/nodes/" + id).body();
      Output.document(Cli.out(), client.format() == Output.Format.table ? Output.Format.yaml : client.format(), n);
      return 0;
    }
  }

  @Command(name = "remove", description = "Remove a dead (Down or Left) node from the cluster and its Raft group.")
  static final class Remove implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "ID", description = "The node's id (see cairn node list).")
    String id;

    @Override
    public Integer call() {
      client.http().delete("/api/v1/nodes/" + id);
      Cli.out().println("removed " + id);
      return 0;
    }
  }

  private static String labels(JsonNode labels) {
    List<String> pairs = new java.util.ArrayList<>();
    labels.fields().forEachRemaining(e -> pairs.add(e.getKey() + "=" + e.getValue().asText()));
    return pairs.isEmpty() ? "-" : String.join(",", pairs);
  }
}

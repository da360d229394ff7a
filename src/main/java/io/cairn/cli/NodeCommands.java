package io.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code cairn node ...}. */
@Command(name = "node", description = "Inspect the node.", mixinStandardHelpOptions = true,
    subcommands = {NodeCommands.Info.class})
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
}

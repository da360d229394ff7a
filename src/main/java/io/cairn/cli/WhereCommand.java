package io.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.cairn.model.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn where ID...}: the node each workload instance or task runs on, from the location registry. */
@Command(name = "where", mixinStandardHelpOptions = true,
    description = {"Show which node runs each workload instance or task id (from the location registry).",
        "With --members NODE, list the ids registered on that node instead."})
public final class WhereCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Parameters(arity = "0..*", paramLabel = "ID", description = "Instance or task ids")
  List<String> ids = new ArrayList<>();

  @Option(names = {"-m", "--members"}, paramLabel = "NODE", description = "List what runs on this node")
  String members;

  @Override
  public Integer call() {
    if (members == null && ids.isEmpty()) {
      throw CliException.usage("give at least one ID, or --members NODE");
    }
    if (members != null) {
      JsonNode m = client.http().get("/api/v1/hosts/" + encode(members) + "/members").body();
      if (client.format() != Output.Format.table) {
        Output.document(Cli.out(), client.format(), m);
      } else {
        m.path("members").forEach(id -> Cli.out().println(id.asText()));
      }
      return 0;
    }
    ArrayNode found = Json.MAPPER.createArrayNode();
    List<List<String>> rows = new ArrayList<>();
    for (String id : ids) {
      JsonNode l = client.http().get("/api/v1/locations/" + encode(id)).body();
      found.add(l);
      rows.add(List.of(l.path("id").asText(), l.path("node").asText()));
    }
    if (client.format() != Output.Format.table) {
      Output.document(Cli.out(), client.format(), ids.size() == 1 ? found.get(0) : found);
    } else {
      Output.table(Cli.out(), List.of("ID", "NODE"), rows);
    }
    return 0;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}

package io.cairn.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn workload ...}: thin commands over the REST API. */
@Command(name = "workload", description = "Apply, inspect and manage workloads.", mixinStandardHelpOptions = true,
    subcommands = {WorkloadCommands.Apply.class, WorkloadCommands.ListCmd.class, WorkloadCommands.Get.class,
        WorkloadCommands.Delete.class, WorkloadCommands.Scale.class, WorkloadCommands.Logs.class,
        WorkloadCommands.Retry.class, WorkloadCommands.Watch.class})
public final class WorkloadCommands {
  private WorkloadCommands() {}

  static PrintStream out() {
    return Cli.out();
  }

  static String path(String name) {
    return "/api/v1/workloads/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  static List<String> row(JsonNode w, Instant now) {
    JsonNode status = w.path("status");
    int restarts = 0;
    for (JsonNode i : status.path("instances")) {
      restarts += i.path("restarts").asInt();
    }
    return List.of(w.path("metadata").path("name").asText(), status.path("phase").asText(),
        status.path("readyReplicas").asInt() + "/" + w.path("spec").path("replicas").asInt(),
        Integer.toString(restarts), Output.age(w.path("metadata").path("createdAt").asText(null), now));
  }

  static final List<String> HEADER = List.of("NAME", "PHASE", "READY", "RESTARTS", "AGE");

  @Command(name = "apply", description = "Create or update workloads from YAML/JSON (several documents allowed).")
  static final class Apply implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "PATH",
        description = "A file, a directory of .yaml/.yml/.json files, or - for stdin.")
    String file;

    @Override
    public Integer call() throws IOException {
      List<JsonNode> docs = read(file);
      CairnHttp http = client.http();
      List<String> failures = new ArrayList<>();
      for (JsonNode doc : docs) {
        String name = doc.path("metadata").path("name").asText("");
        if (name.isEmpty()) {
          failures.add("Error: a document has no metadata.name");
          continue;
        }
        try {
          CairnHttp.Reply reply = http.put(path(name), doc);
          if (client.format() == Output.Format.table) {
            out().println("workload/" + name + (reply.status() == 201 ? " created" : " configured"));
          } else {
            Output.document(out(), client.format(), reply.body());
          }
        } catch (CliException e) {
          if (e.exitCode() != CliException.SERVER_REFUSED) {
            throw e;
          }
          failures.add("workload/" + name + ":");
          failures.addAll(e.lines());
        }
      }
      if (!failures.isEmpty()) {
        throw new CliException(CliException.SERVER_REFUSED, failures);
      }
      return 0;
    }

    static List<JsonNode> read(String file) throws IOException {
      List<JsonNode> docs = new ArrayList<>();
      if (file.equals("-")) {
        readDocuments(Cli.in(), "stdin", docs);
        return docs;
      }
      Path p = Path.of(file);
      if (Files.isDirectory(p)) {
        try (Stream<Path> files = Files.list(p)) {
          for (Path f : files.filter(f -> f.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList()) {
            try (InputStream in = Files.newInputStream(f)) {
              readDocuments(in, f.toString(), docs);
            }
          }
        }
      } else if (Files.exists(p)) {
        try (InputStream in = Files.newInputStream(p)) {
          readDocuments(in, file, docs);
        }
      } else {
        throw CliException.usage(file + ": no such file or directory");
      }
      if (docs.isEmpty()) {
        throw CliException.usage(file + ": no documents to apply");
      }
      return docs;
    }

    /** YAML is a superset of JSON, so one reader takes both, several documents per stream. */
    static void readDocuments(InputStream in, String source, List<JsonNode> docs) {
      ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
      try (JsonParser parser = yaml.getFactory().createParser(in);
          MappingIterator<JsonNode> it = yaml.readValues(parser, JsonNode.class)) {
        while (it.hasNextValue()) {
          JsonNode doc = it.nextValue();
          if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
            docs.add(doc);
          }
        }
      } catch (IOException | RuntimeException e) {
        throw CliException.usage(source + " is not valid YAML or JSON: " + firstLine(e.getMessage()));
      }
    }
  }

  @Command(name = "list", description = "List workloads.")
  static final class ListCmd implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR", description = "Label selector, e.g. app=web.")
    String selector;

    @Option(names = "--phase", paramLabel = "PHASE", description = "Only workloads in this phase.")
    String phase;

    @Mixin ReadOptions read;

    @Override
    public Integer call() {
      CairnHttp http = client.http();
      List<JsonNode> items = new ArrayList<>();
      String token = "";
      do {
        StringBuilder q = new StringBuilder("/api/v1/workloads?limit=1000").append(read.query());
        if (selector != null) {
          q.append("&label=").append(URLEncoder.encode(selector, StandardCharsets.UTF_8));
        }
        if (phase != null) {
          q.append("&phase=").append(URLEncoder.encode(phase, StandardCharsets.UTF_8));
        }
        if (!token.isEmpty()) {
          q.append("&pageToken=").append(token);
        }
        JsonNode page = http.get(q.toString()).body();
        page.path("items").forEach(items::add);
        token = page.path("nextPageToken").asText("");
      } while (!token.isEmpty());
      if (client.format() == Output.Format.table) {
        Instant now = Instant.now();
        Output.table(out(), HEADER, items.stream().map(w -> row(w, now)).toList());
      } else {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.putArray("items").addAll(items);
        Output.document(out(), client.format(), doc);
      }
      return 0;
    }
  }

  @Command(name = "get", description = "Show one workload with its instances.")
  static final class Get implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "NAME")
    String name;

    @Mixin ReadOptions read;

    @Override
    public Integer call() {
      JsonNode w = client.http().get(read.on(path(name))).body();
      if (client.format() != Output.Format.table) {
        Output.document(out(), client.format(), w);
        return 0;
      }
      Instant now = Instant.now();
      Output.table(out(), HEADER, List.of(row(w, now)));
      String reason = Output.text(w.path("status").path("failureReason"));
      if (!reason.equals("-")) {
        out().println("Failure: " + reason);
      }
      out().println();
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode i : w.path("status").path("instances")) {
        rows.add(List.of(i.path("id").asText(), i.path("state").asText(), Output.text(i.path("pid")),
            Integer.toString(i.path("restarts").asInt()), Output.text(i.path("lastExitCode")),
            Output.age(i.path("startedAt").asText(null), now), Output.text(i.path("nextRestartAt"))));
      }
      Output.table(out(), List.of("INSTANCE", "STATE", "PID", "RESTARTS", "LAST EXIT", "AGE", "NEXT RESTART"), rows);
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a workload (SIGTERM, then SIGKILL after its grace period).")
  static final class Delete implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--wait", description = "Wait until every instance has stopped and the workload is gone.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2m",
        description = "How long --wait waits (default ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() throws InterruptedException {
      CairnHttp http = client.http();
      http.delete(path(name));
      if (!await) {
        out().println("workload/" + name + " deleting");
        return 0;
      }
      long deadline = System.nanoTime() + Cli.duration(timeout).toNanos();
      while (System.nanoTime() < deadline) {
        try {
          http.get(path(name));
        } catch (CliException e) {
          if (e.lines().get(0).startsWith("Error: NOT_FOUND")) {
            out().println("workload/" + name + " deleted");
            return 0;
          }
          throw e;
        }
        Thread.sleep(200);
      }
      throw new CliException(CliException.SERVER_REFUSED, List.of("Error: workload/" + name
          + " still stopping after " + timeout));
    }
  }

  @Command(name = "scale", description = "Change the number of replicas.")
  static final class Scale implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--replicas", required = true, paramLabel = "N")
    long replicas;

    @Override
    public Integer call() {
      JsonNode w = client.http().post(path(name) + "/scale", "{\"replicas\":" + replicas + "}").body();
      if (client.format() == Output.Format.table) {
        out().println("workload/" + name + " scaled to " + w.path("spec").path("replicas").asInt());
      } else {
        Output.document(out(), client.format(), w);
      }
      return 0;
    }
  }

  @Command(name = "retry", description = "Reset a Failed workload's restart budget.")
  static final class Retry implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      JsonNode w = client.http().post(path(name) + "/retry", "").body();
      if (client.format() == Output.Format.table) {
        out().println("workload/" + name + " retrying (phase " + w.path("status").path("phase").asText() + ")");
      } else {
        Output.document(out(), client.format(), w);
      }
      return 0;
    }
  }

  @Command(name = "logs", description = "Print an instance's output; -f keeps following it.")
  static final class Logs implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines.")
    boolean follow;

    @Option(names = "--tail", paramLabel = "N", defaultValue = "100", description = "Lines of history (default ${DEFAULT-VALUE}).")
    int tail;

    @Option(names = "--instance", paramLabel = "ID", description = "Instance id or prefix.")
    String instance;

    @Option(names = "--stream", paramLabel = "STREAM", defaultValue = "both", description = "stdout, stderr or both.")
    String stream;

    @Override
    public Integer call() throws IOException {
      StringBuilder q = new StringBuilder(path(name)).append("/logs?tail=").append(tail).append("&stream=")
          .append(URLEncoder.encode(stream, StandardCharsets.UTF_8)).append("&follow=").append(follow);
      if (instance != null) {
        q.append("&instance=").append(URLEncoder.encode(instance, StandardCharsets.UTF_8));
      }
      try (InputStream body = client.http().stream(q.toString());
          BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
        for (String line; (line = reader.readLine()) != null; ) {
          out().println(line);
          out().flush();
        }
      }
      return 0;
    }
  }

  @Command(name = "watch", description = "Print each change of one workload, or of all, as it happens.")
  static final class Watch implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "NAME", arity = "0..1")
    String name;

    @Override
    public Integer call() throws IOException {
      String q = (name == null ? "/api/v1/workloads" : path(name)) + "?watch=true";
      boolean table = client.format() == Output.Format.table;
      if (table) {
        Output.table(out(), List.of("EVENT", "NAME", "PHASE", "READY", "RESTARTS", "AGE"), List.of());
      }
      ObjectMapper json = io.cairn.model.Json.MAPPER;
      try (InputStream body = client.http().stream(q);
          BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
        String event = null;
        for (String line; (line = reader.readLine()) != null; ) {
          if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ")) {
            JsonNode w = json.readTree(line.substring(6));
            if (table) {
              List<String> cells = new ArrayList<>(List.of(event));
              cells.addAll(row(w, Instant.now()));
              out().println(String.join("  ", cells));
            } else {
              ObjectNode doc = JsonNodeFactory.instance.objectNode().put("type", event);
              doc.set("workload", w);
              out().println(json.writeValueAsString(doc));
            }
            out().flush();
          }
        }
      }
      return 0;
    }
  }

  static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

}

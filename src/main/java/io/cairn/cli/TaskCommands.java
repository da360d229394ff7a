package io.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.model.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn task ...}: run a command somewhere, watch it, cancel it. */
@Command(name = "task", description = "Run ad-hoc commands on a node and follow their output.",
    mixinStandardHelpOptions = true,
    subcommands = {TaskCommands.Run.class, TaskCommands.Get.class, TaskCommands.ListCmd.class,
        TaskCommands.Cancel.class, TaskCommands.Logs.class})
public final class TaskCommands {
  /** Exit codes of `task run` for endings without an exit code of their own (as timeout(1) and shells do). */
  static final int EXIT_TIMED_OUT = 124;
  static final int EXIT_CANCELLED = 130;
  static final int EXIT_LOST = 125;

  private TaskCommands() {}

  static String path(String id) {
    return "/api/v1/tasks/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  static final List<String> HEADER = List.of("ID", "STATE", "EXIT", "AGE", "COMMAND");

  static List<String> row(JsonNode t, Instant now) {
    List<String> argv = new ArrayList<>();
    t.path("spec").path("command").forEach(a -> argv.add(a.asText()));
    String command = String.join(" ", argv);
    return List.of(t.path("id").asText(), t.path("state").asText(), t.path("exitCode").asText(""),
        Output.age(t.path("submittedAt").asText(null), now), command.length() > 60 ? command.substring(0, 57) + "..." : command);
  }

  static void show(ClientOptions client, JsonNode t) {
    if (client.format() != Output.Format.table) {
      Output.document(Cli.out(), client.format(), t);
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("id", t.path("id").asText()));
    rows.add(List.of("state", t.path("state").asText()));
    rows.add(List.of("node", t.path("node").asText()));
    rows.add(List.of("command", String.join(" ", argv(t))));
    for (String f : List.of("exitCode", "reason", "submittedAt", "startedAt", "finishedAt", "pid")) {
      if (t.has(f)) {
        rows.add(List.of(f, t.path(f).asText()));
      }
    }
    rows.add(List.of("output", t.path("output").path("bytes").asText() + " bytes ("
        + t.path("output").path("droppedBytes").asText() + " not kept)"));
    Output.table(Cli.out(), List.of("FIELD", "VALUE"), rows);
  }

  private static List<String> argv(JsonNode t) {
    List<String> argv = new ArrayList<>();
    t.path("spec").path("command").forEach(a -> argv.add(a.asText()));
    return argv;
  }

  /**
   * Copies NDJSON output lines to stdout/stderr as raw bytes; returns the end line's task (null if
   * the stream ended without one, e.g. the node went away).
   */
  static JsonNode copyOutput(InputStream body) throws IOException {
    return copyOutput(body, t -> { });
  }

  /** As above; {@code onTask} gets the task line a submit-and-follow reply starts with. */
  static JsonNode copyOutput(InputStream body, java.util.function.Consumer<JsonNode> onTask) throws IOException {
    PrintStream out = Cli.out();
    PrintStream err = Cli.err();
    JsonNode end = null;
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        if (line.isEmpty()) {
          continue;
        }
        JsonNode o = Json.MAPPER.readTree(line);
        if (o.has("end")) {
          end = o.path("task");
        } else if (o.has("task")) {
          onTask.accept(o.path("task"));
        } else if (o.has("error")) {
          throw CairnHttp.refused(500, line);
        } else if (o.has("skipped")) {
          err.println("[cairn] " + o.path("message").asText());
        } else {
          byte[] bytes = o.has("dataBase64") ? Base64.getDecoder().decode(o.path("dataBase64").asText())
              : o.path("data").asText().getBytes(StandardCharsets.UTF_8);
          PrintStream to = "stderr".equals(o.path("stream").asText()) ? err : out;
          to.write(bytes);
          to.flush();
        }
      }
    }
    return end;
  }

  /** The exit code `task run` ends with: the task's own, or a conventional one for endings without one. */
  static int exitCodeOf(JsonNode task) {
    return switch (task.path("state").asText()) {
      case "Succeeded" -> 0;
      case "Failed" -> task.has("exitCode") && task.path("exitCode").asInt() != 0 ? task.path("exitCode").asInt() : 1;
      case "TimedOut" -> EXIT_TIMED_OUT;
      case "Cancelled" -> EXIT_CANCELLED;
      default -> EXIT_LOST;
    };
  }

  @Command(name = "run", description = {"Run a command as a task and stream its output; exits with the task's exit code",
      "(124 timed out, 130 cancelled, 125 lost). Ctrl-C cancels the task unless --detach.",
      "Example: cairn task run --timeout 30s -l zone=a -- sh -c 'echo hi'"})
  static final class Run implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(names = {"-d", "--detach"}, description = "Print the task id and return at once.")
    boolean detach;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Kill the task after this long, e.g. 30s.")
    String timeout;

    @Option(names = {"-l", "--placement"}, paramLabel = "LABEL=VALUE", description = "Node label the task needs (repeatable).")
    Map<String, String> placement = new LinkedHashMap<>();

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Environment variable (repeatable).")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Absolute working directory on the node.")
    String workdir;

    @Option(names = "--cpu", paramLabel = "CPU", description = "CPU the task needs, e.g. 500m.")
    String cpu;

    @Option(names = "--memory", paramLabel = "BYTES", description = "Memory the task needs, e.g. 256Mi.")
    String memory;

    @Option(names = "--retries", paramLabel = "N", description = "Run again after a failure, up to N times.")
    Integer retries;

    @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments (after --).")
    List<String> command;

    @Override
    public Integer call() throws IOException {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      command.forEach(body.putArray("command")::add);
      if (!env.isEmpty()) {
        env.forEach(body.putObject("env")::put);
      }
      if (!placement.isEmpty()) {
        placement.forEach(body.putObject("placement")::put);
      }
      if (timeout != null) {
        body.put("timeout", timeout);
      }
      if (workdir != null) {
        body.put("workingDir", workdir);
      }
      if (cpu != null || memory != null) {
        ObjectNode r = body.putObject("resources");
        if (cpu != null) {
          r.put("cpu", cpu);
        }
        if (memory != null) {
          r.put("memory", memory);
        }
      }
      if (retries != null) {
        body.put("retries", retries);
      }
      CairnHttp http = client.http();
      String json = Json.MAPPER.writeValueAsString(body);
      if (detach) {
        JsonNode task = http.post("/api/v1/tasks", json).body();
        if (client.format() == Output.Format.table) {
          Cli.out().println(task.path("id").asText());
        } else {
          Output.document(Cli.out(), client.format(), task);
        }
        return 0;
      }
      // one request submits and streams; Ctrl-C meanwhile cancels the task, as an interactive run would
      String[] id = new String[1];
      Thread cancelOnInterrupt = new Thread(() -> {
        if (id[0] != null) {
          try {
            http.post(path(id[0]) + "/cancel", "{\"reason\":\"the cairn task run client was interrupted\"}");
          } catch (RuntimeException e) {
            // ended meanwhile, or the node is gone: nothing to cancel
          }
        }
      });
      Runtime.getRuntime().addShutdownHook(cancelOnInterrupt);
      JsonNode end;
      try {
        end = copyOutput(http.streamPost("/api/v1/tasks?follow=true", json), t -> id[0] = t.path("id").asText());
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(cancelOnInterrupt);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running: let it cancel
        }
      }
      if (end == null) {
        throw new CliException(CliException.UNREACHABLE, List.of("Error: the output stream of task " + id[0]
            + " ended early; see `cairn task get " + id[0] + "`"));
      }
      if (!"Succeeded".equals(end.path("state").asText())) {
        Cli.err().println("[cairn] task " + id[0] + " " + end.path("state").asText()
            + (end.has("reason") ? ": " + end.path("reason").asText() : ""));
      }
      return exitCodeOf(end);
    }
  }

  @Command(name = "get", description = "Show one task.")
  static final class Get implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
      show(client, client.http().get(path(id)).body());
      return 0;
    }
  }

  @Command(name = "list", description = "List tasks, newest first.")
  static final class ListCmd implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(names = "--state", paramLabel = "STATE", description = "Only tasks in this state, e.g. Running.")
    String state;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N tasks (default ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      List<JsonNode> items = new ArrayList<>();
      String token = "";
      do {
        StringBuilder q = new StringBuilder("/api/v1/tasks?limit=").append(Math.max(1, Math.min(1000, limit - items.size())));
        if (state != null) {
          q.append("&state=").append(URLEncoder.encode(state, StandardCharsets.UTF_8));
        }
        if (!token.isEmpty()) {
          q.append("&pageToken=").append(URLEncoder.encode(token, StandardCharsets.UTF_8));
        }
        JsonNode page = client.http().get(q.toString()).body();
        page.path("items").forEach(items::add);
        token = page.path("nextPageToken").asText("");
      } while (!token.isEmpty() && items.size() < limit);
      if (client.format() == Output.Format.table) {
        Instant now = Instant.now();
        Output.table(Cli.out(), HEADER, items.stream().map(t -> row(t, now)).toList());
      } else {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.putArray("items").addAll(items);
        Output.document(Cli.out(), client.format(), doc);
      }
      return 0;
    }
  }

  @Command(name = "cancel", description = "Cancel a queued or running task (SIGTERM, then SIGKILL).")
  static final class Cancel implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Recorded with the task.")
    String reason;

    @Override
    public Integer call() throws IOException {
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      if (reason != null) {
        body.put("reason", reason);
      }
      JsonNode t = client.http().post(path(id) + "/cancel", Json.MAPPER.writeValueAsString(body)).body();
      if (client.format() == Output.Format.table) {
        Cli.out().println("task/" + id + " " + ("Cancelled".equals(t.path("state").asText()) ? "cancelled" : "cancelling"));
      } else {
        Output.document(Cli.out(), client.format(), t);
      }
      return 0;
    }
  }

  @Command(name = "logs", description = "Print a task's output (stdout to stdout, stderr to stderr).")
  static final class Logs implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = {"-f", "--follow"}, description = "Keep printing until the task ends.")
    boolean follow;

    @Option(names = "--stream", paramLabel = "STREAM", defaultValue = "both", description = "stdout, stderr or both.")
    String stream;

    @Override
    public Integer call() throws IOException {
      copyOutput(client.http().stream(path(id) + "/output?follow=" + follow + "&stream="
          + URLEncoder.encode(stream, StandardCharsets.UTF_8)));
      return 0;
    }
  }
}

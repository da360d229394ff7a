package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cairn.Main;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The `cairn` client commands against a real node: output formats, exit codes, streaming. */
@Timeout(120)
class CliTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {}

  static Run run(String stdin, String... args) {
    return run(Map.of("CAIRN_ADDR", node.url(""), "HOME", "/nonexistent"), stdin, args);
  }

  static Run run(Map<String, String> env, String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Cli.run(Main.commandLine(), args, env,
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static final String TWO_DOCS = """
      apiVersion: cairn/v1
      kind: Workload
      metadata: { name: cli-a, labels: { team: cli } }
      spec:
        command: ["sleep", "300"]
        stopGracePeriod: 1s
      ---
      apiVersion: cairn/v1
      kind: Workload
      metadata: { name: cli-b, labels: { team: cli } }
      spec:
        replicas: 2
        command: ["sleep", "300"]
        stopGracePeriod: 1s
      """;

  @Test
  void applyListGetScaleDeleteInEveryFormat() throws Exception {
    Path file = Files.writeString(dir.resolve("two.yaml"), TWO_DOCS);
    Run applied = run("", "workload", "apply", "-f", file.toString());
    assertThat(applied.exit()).as(applied.err()).isZero();
    assertThat(applied.out()).contains("workload/cli-a created", "workload/cli-b created");
    assertThat(run("", "workload", "apply", "-f", file.toString()).out()).contains("workload/cli-a configured");

    Run table = run("", "workload", "list", "-l", "team=cli");
    assertThat(table.out().lines().toList()).hasSize(3);
    assertThat(table.out().lines().findFirst().orElseThrow()).startsWith("NAME").contains("PHASE", "READY", "AGE");
    assertThat(table.out()).containsPattern("cli-b\\s+Running\\s+2/2\\s+0\\s+\\d+s");

    JsonNode json = new ObjectMapper().readTree(run("", "workload", "list", "-l", "team=cli", "-o", "json").out());
    assertThat(json.path("items")).hasSize(2);
    JsonNode yaml = new ObjectMapper(new YAMLFactory()).readTree(run("", "workload", "list", "-o", "yaml", "-l", "team=cli").out());
    assertThat(yaml.path("items").get(1).path("metadata").path("name").asText()).isEqualTo("cli-b");

    Run get = run("", "workload", "get", "cli-b");
    assertThat(get.out()).contains("INSTANCE", "cli-b-0-", "cli-b-1-");
    assertThat(run("", "workload", "get", "cli-b", "-o", "json").out()).contains("\"replicas\" : 2");
    String version = new ObjectMapper().readTree(run("", "workload", "get", "cli-b", "-o", "json").out())
        .path("metadata").path("resourceVersion").asText();
    assertThat(run("", "workload", "get", "cli-b", "--resource-version", version, "--consistent").exit())
        .as("a read not older than the version just seen").isZero();
    Run ahead = run("", "workload", "list", "--resource-version", Long.toString(Long.parseLong(version) + 1_000_000));
    assertThat(ahead.exit()).isEqualTo(1);
    assertThat(ahead.err()).contains("DEADLINE_EXCEEDED", "applied the log up to index");

    assertThat(run("", "workload", "scale", "cli-b", "--replicas", "3").out()).contains("scaled to 3");
    Run info = run("", "node", "info");
    assertThat(info.out()).contains(node.nodeId());

    Run deleted = run("", "workload", "delete", "cli-a", "--wait");
    assertThat(deleted.exit()).isZero();
    assertThat(deleted.out()).contains("workload/cli-a deleted");
    assertThat(node.get("/api/v1/workloads/cli-a").status()).isEqualTo(404);
    run("", "workload", "delete", "cli-b");
  }

  @Test
  void applyReadsDirectoriesAndStdin() throws Exception {
    Path d = Files.createDirectories(dir.resolve("manifests"));
    Files.writeString(d.resolve("one.yaml"), TWO_DOCS.split("---")[0].replace("cli-a", "dir-one"));
    Files.writeString(d.resolve("two.json"), "{\"metadata\":{\"name\":\"dir-two\"},\"spec\":{\"command\":[\"sleep\",\"300\"]}}");
    Files.writeString(d.resolve("ignored.txt"), "not a manifest");
    Run fromDir = run("", "workload", "apply", "-f", d.toString());
    assertThat(fromDir.out()).contains("workload/dir-one created", "workload/dir-two created");
    Run fromStdin = run(TWO_DOCS.split("---")[1].replace("cli-b", "stdin-one"), "workload", "apply", "-f", "-");
    assertThat(fromStdin.out()).contains("workload/stdin-one created");
    List.of("dir-one", "dir-two", "stdin-one").forEach(n -> run("", "workload", "delete", n));
  }

  @Test
  void whereNamesTheNodeOfEachInstance() throws Exception {
    run("apiVersion: cairn/v1\nkind: Workload\nmetadata: {name: cli-where}\nspec: {replicas: 2, command: [sleep, '300'],"
        + " stopGracePeriod: 1s}\n", "workload", "apply", "-f", "-");
    JsonNode instances = new ObjectMapper().readTree(run("", "workload", "get", "cli-where", "-o", "json").out())
        .path("status").path("instances");
    String first = instances.get(0).path("id").asText();
    String second = instances.get(1).path("id").asText();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> run("", "where", first, second).exit() == 0);
    Run table = run("", "where", first, second);
    assertThat(table.out().lines().toList()).hasSize(3);
    assertThat(table.out()).startsWith("ID").contains(first + "  " + node.nodeId()).contains(node.nodeId());
    JsonNode one = new ObjectMapper().readTree(run("", "where", first, "-o", "json").out());
    assertThat(one.path("node").asText()).isEqualTo(node.nodeId());
    assertThat(run("", "where", "--members", node.nodeId()).out().lines().toList()).contains(first, second);

    Run missing = run("", "where", "nothing-here");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err().strip()).isEqualTo("Error: NOT_FOUND: 'nothing-here' is not registered on any node");
    assertThat(run("", "where").exit()).as("no id is a usage error").isEqualTo(2);
    run("", "workload", "delete", "cli-where");
  }

  @Test
  void exitCodesSayWhoIsAtFault() throws Exception {
    Run bad = run("apiVersion: cairn/v1\nmetadata: {name: broken}\nspec: {replicas: -1}\n", "workload", "apply", "-f", "-");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("Error: INVALID_ARGUMENT:").contains("  spec.replicas: must be between 0 and 1000")
        .contains("  spec.command: is required");

    Run missing = run("", "workload", "get", "nowhere");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err().strip()).isEqualTo("Error: NOT_FOUND: workload 'nowhere' not found");

    Run unreachable = run("", "workload", "list", "--addr", "http://127.0.0.1:1");
    assertThat(unreachable.exit()).isEqualTo(3);
    assertThat(unreachable.err()).contains("http://127.0.0.1:1");

    assertThat(run("", "workload", "scale", "x").exit()).as("missing --replicas").isEqualTo(2);
    assertThat(run("", "workload", "frobnicate").exit()).isEqualTo(2);
    assertThat(run("", "workload", "list", "-o", "xml").exit()).isEqualTo(2);
    assertThat(run("", "workload", "apply", "-f", dir.resolve("absent.yaml").toString()).exit()).isEqualTo(2);
    assertThat(run("not: [yaml", "workload", "apply", "-f", "-").exit()).isEqualTo(2);

    Path cfg = Files.writeString(dir.resolve("cli.yaml"), "addr: " + node.url("") + "\noutput: json\n");
    Run viaConfig = run(Map.of("HOME", "/nonexistent"), "", "workload", "list", "--config", cfg.toString());
    assertThat(viaConfig.exit()).isZero();
    assertThat(viaConfig.out()).contains("\"items\"");
    Path badCfg = Files.writeString(dir.resolve("bad.yaml"), "adress: x\n");
    assertThat(run(Map.of(), "", "workload", "list", "--config", badCfg.toString()).exit()).isEqualTo(2);
  }

  @Test
  void completionScriptIsGenerated() {
    Run completion = run("", "completion", "bash");
    assertThat(completion.exit()).isZero();
    assertThat(completion.out()).contains("complete -F").contains("workload");
  }

  /** A real `cairn` JVM, as a user runs it, reading its stdout while the node keeps writing. */
  Process cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
        System.getProperty("java.class.path"), "io.cairn.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("CAIRN_ADDR", node.url(""));
    return pb.start();
  }

  static List<String> collect(Process p) {
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        // process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  @Test
  void logsFollowShowsNewLinesAsTheyAreWritten() throws Exception {
    run("metadata: {name: cli-ticker}\nspec:\n  command: [sh, -c, 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done']\n",
        "workload", "apply", "-f", "-");
    Process follow = cli("workload", "logs", "cli-ticker", "-f", "--tail", "1", "--stream", "stdout");
    try {
      List<String> lines = collect(follow);
      await().atMost(Duration.ofSeconds(20)).until(() -> lines.size() >= 8);
      List<Integer> ticks = lines.stream().filter(l -> l.startsWith("tick ")).map(l -> Integer.parseInt(l.substring(5))).toList();
      assertThat(ticks).hasSizeGreaterThanOrEqualTo(8);
      for (int i = 1; i < ticks.size(); i++) {
        assertThat(ticks.get(i)).isEqualTo(ticks.get(i - 1) + 1);
      }
    } finally {
      follow.destroy();
      run("", "workload", "delete", "cli-ticker");
    }
  }

  @Test
  void watchPrintsEachChange() throws Exception {
    run("metadata: {name: cli-watched}\nspec: {command: [sleep, '300']}\n", "workload", "apply", "-f", "-");
    Process watch = cli("workload", "watch", "cli-watched", "-o", "json");
    try {
      List<String> lines = collect(watch);
      await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().anyMatch(l -> l.contains("\"CURRENT\"")));
      run("", "workload", "scale", "cli-watched", "--replicas", "2");
      await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream()
          .anyMatch(l -> l.contains("\"MODIFIED\"") && l.contains("\"readyReplicas\":2")));
      run("", "workload", "delete", "cli-watched");
      await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().anyMatch(l -> l.contains("\"DELETED\"")));
    } finally {
      watch.destroy();
    }
  }
}

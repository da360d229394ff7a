package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.Main;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** `cairn task ...` against a real node: run streams and exits with the task's code; get/list/cancel/logs. */
@Timeout(120)
class TaskCliTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Cli.run(Main.commandLine(), args, Map.of("CAIRN_ADDR", node.url(""), "HOME", "/nonexistent"),
        new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void runStreamsBothStreamsAndExitsWithTheTasksCode() {
    Run ok = run("task", "run", "--", "echo", "hi");
    assertThat(ok.exit()).isZero();
    assertThat(ok.out()).isEqualTo("hi\n");

    Run failing = run("task", "run", "-e", "WHO=cairn", "--", "sh", "-c", "echo out $WHO; echo err >&2; exit 3");
    assertThat(failing.exit()).isEqualTo(3);
    assertThat(failing.out()).isEqualTo("out cairn\n");
    assertThat(failing.err()).startsWith("err\n").contains("Failed: exit code 3");

    Run timedOut = run("task", "run", "--timeout", "300ms", "--", "sleep", "10");
    assertThat(timedOut.exit()).isEqualTo(TaskCommands.EXIT_TIMED_OUT);
    assertThat(timedOut.err()).contains("TimedOut").contains("300ms");

    Run nowhere = run("task", "run", "-l", "zone=mars", "--", "true");
    assertThat(nowhere.exit()).isEqualTo(1);
    assertThat(nowhere.err()).contains("Error: UNSCHEDULABLE:").contains("zone=mars");
    Run bad = run("task", "run", "--timeout", "forever", "--", "true");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("INVALID_ARGUMENT").contains("timeout");
    assertThat(run("task", "run").exit()).as("no command is a usage error").isEqualTo(2);
  }

  @Test
  void detachGetListCancelAndLogs() throws Exception {
    Run detached = run("task", "run", "--detach", "--", "sh", "-c", "echo first; sleep 30");
    assertThat(detached.exit()).isZero();
    String id = detached.out().strip();
    assertThat(id).startsWith("t");
    await().atMost(Duration.ofSeconds(10)).until(() -> run("task", "get", id).out().contains("Running"));
    await().atMost(Duration.ofSeconds(10)).until(() -> run("task", "logs", id).out().equals("first\n"));

    JsonNode json = new ObjectMapper().readTree(run("task", "get", id, "-o", "json").out());
    assertThat(json.path("state").asText()).isEqualTo("Running");
    assertThat(json.path("spec").path("command").get(0).asText()).isEqualTo("sh");
    Run list = run("task", "list", "--state", "Running");
    assertThat(list.out()).startsWith("ID").contains(id).contains("sh -c echo first; sleep 30");

    Run cancel = run("task", "cancel", id, "--reason", "done with it");
    assertThat(cancel.exit()).isZero();
    assertThat(cancel.out()).contains("task/" + id);
    await().atMost(Duration.ofSeconds(10)).until(() -> run("task", "get", id, "-o", "json").out().contains("Cancelled"));
    JsonNode after = new ObjectMapper().readTree(run("task", "get", id, "-o", "json").out());
    assertThat(after.path("reason").asText()).isEqualTo("done with it");
    Run followEnded = run("task", "logs", id, "-f");
    assertThat(followEnded.out()).isEqualTo("first\n");

    Run again = run("task", "cancel", id);
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("CONFLICT");
    Run missing = run("task", "get", "t-missing");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err().strip()).isEqualTo("Error: NOT_FOUND: task 't-missing' not found");
  }

  @Test
  void aRealCliProcessStreamsLinesAsTheTaskWritesThem() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
        System.getProperty("java.class.path"), "io.cairn.Main", "task", "run", "--", "sh", "-c",
        "echo one; sleep 1; echo two; exit 7"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("CAIRN_ADDR", node.url(""));
    Process p = pb.start();
    List<String> lines = CliTest.collect(p);
    await().atMost(Duration.ofSeconds(20)).until(() -> lines.contains("one"));
    assertThat(lines).as("'two' is written a second after 'one'").doesNotContain("two");
    assertThat(p.waitFor()).isEqualTo(7);
    await().atMost(Duration.ofSeconds(2)).until(() -> lines.contains("two"));
  }
}

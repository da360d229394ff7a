package io.cairn.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.testing.Manifests;
import io.cairn.testing.Processes;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workloads and tasks run apart from the node: as nobody (the node runs as root here), in a clean
 * environment, unable to read the node's data or its environment, inside a control group whose
 * memory limit the kernel enforces, and a stop kills every process they started.
 */
@Timeout(120)
class IsolationTest {
  @TempDir
  static Path data;
  static TestNode node;
  static JsonObject isolation;

  @BeforeAll
  static void start() {
    node = TestNode.start(data);
    isolation = node.get("/api/v1/node").json().getJsonObject("isolation");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  static boolean cgroups() {
    return !"none".equals(isolation.getString("cgroups"));
  }

  static JsonObject awaitTask(String id) {
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      String state = node.get("/api/v1/tasks/" + id).json().getString("state");
      return !Set.of("Queued", "Dispatched", "Running").contains(state);
    });
    return node.get("/api/v1/tasks/" + id).json();
  }

  static String submit(JsonObject body) {
    TestNode.Reply r = node.post("/api/v1/tasks", "application/json", body.encode());
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().getString("id");
  }

  static String output(String id) {
    return node.get("/api/v1/tasks/" + id + "/output?format=raw").body();
  }

  @Test
  void theNodeSaysHowItIsolates() {
    assertThat(isolation.getString("user")).isEqualTo(root() ? "nobody" : System.getProperty("user.name"));
    assertThat(isolation.getString("cgroups")).isIn("v1", "v2", "none");
    assertThat(isolation.getString("stopKills")).isIn("control group", "process group");
    assertThat(isolation.getJsonArray("allowedDirs")).containsExactly("/tmp");
  }

  @Test
  void aTaskRunsAsNobodyInACleanEnvironmentAndCannotReadTheNodesSecrets() {
    assumeTrue(root(), "switching users needs a node running as root");
    String node_pid = Long.toString(ProcessHandle.current().pid());
    String id = submit(new JsonObject().put("command", new JsonArray(List.of("sh", "-c",
            "id -u; pwd; env; cat /proc/" + node_pid + "/environ >/dev/null 2>&1 && echo LEAK-ENVIRON; "
                + "ls " + data + "/state >/dev/null 2>&1 && echo LEAK-STATE; echo done")))
        .put("env", new JsonObject().put("MINE", "yes")));
    JsonObject done = awaitTask(id);
    assertThat(done.getString("state")).isEqualTo("Succeeded");
    List<String> lines = Arrays.asList(output(id).split("\n"));
    assertThat(lines.get(0)).isEqualTo("65534");
    assertThat(lines.get(1)).as("its own working directory").endsWith("/work/task-" + id);
    assertThat(lines).doesNotContain("LEAK-ENVIRON", "LEAK-STATE").contains("done");
    List<String> names = new ArrayList<>();
    for (String line : lines.subList(2, lines.size())) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
        names.add(line.substring(0, eq));
      }
    }
    // nothing of the node's environment (the test JVM's: JAVA_HOME, MAVEN_*, ...) reaches the task
    assertThat(names).isSubsetOf("PATH", "LANG", "HOME", "USER", "MINE", "PWD", "CAIRN_TASK_ID", "CAIRN_TASK_NODE");
    assertThat(names).contains("PATH", "HOME", "USER", "MINE", "CAIRN_TASK_ID");
    assertThat(lines).contains("USER=nobody");
  }

  @Test
  void aWorkingDirectoryOutsideTheAllowedOnesIsRefusedAtSubmit() {
    TestNode.Reply task = node.post("/api/v1/tasks", "application/json",
        new JsonObject().put("command", new JsonArray().add("pwd")).put("workingDir", "/etc").encode());
    assertThat(task.status()).isEqualTo(400);
    assertThat(task.body()).contains("\"field\":\"workingDir\"").contains("runtime.allowedDirs");
    JsonObject manifest = Manifests.workload("etcdir", 1, "sleep", "60");
    manifest.getJsonObject("spec").put("workingDir", "/root");
    TestNode.Reply workload = node.apply("etcdir", manifest);
    assertThat(workload.status()).isEqualTo(400);
    assertThat(workload.body()).contains("\"field\":\"spec.workingDir\"");
  }

  @Test
  void deletingAWorkloadKillsEveryProcessItStartedEvenANewSession() throws Exception {
    node.apply("escaper", Manifests.workload("escaper", 1, "sh", "-c", "setsid sleep 300 & sleep 300"));
    String instance = node.workload("escaper").getJsonObject("status").getJsonArray("instances").getJsonObject(0)
        .getString("id");
    List<Long> pids = new ArrayList<>();
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      pids.clear();
      ProcessHandle.allProcesses().forEach(h -> {
        if (instance.equals(ProcessDriver.marker(h.pid(), ProcessDriver.ENV_INSTANCE_ID))) {
          pids.add(h.pid());
        }
      });
      return pids.size() >= 3; // sh, its sleep, and the setsid'd sleep in a session of its own
    });
    assertThat(node.delete("/api/v1/workloads/escaper").status()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(20)).until(() -> pids.stream().noneMatch(Processes::running));
  }

  @Test
  void aWorkloadOverItsMemoryLimitIsOomKilled() {
    assumeTrue(cgroups(), "needs a writable control group");
    JsonObject manifest = Manifests.withRestart(Manifests.workload("hog", 1, "python3", "-c",
        "b = bytearray(300 * 1024 * 1024); print(len(b))"), "Never", 0, "1s", "1s");
    manifest.getJsonObject("spec").put("resources", new JsonObject().put("memory", "48Mi"));
    assertThat(node.apply("hog", manifest).status()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      JsonObject inst = node.workload("hog").getJsonObject("status").getJsonArray("instances").getJsonObject(0);
      assertThat(inst.getString("lastExitReason")).isEqualTo("OOMKilled");
      assertThat(inst.getString("message")).startsWith("OOMKilled");
    });
    node.delete("/api/v1/workloads/hog");

    String task = submit(new JsonObject().put("command", new JsonArray(List.of("python3", "-c",
        "b = bytearray(300 * 1024 * 1024)"))).put("resources", new JsonObject().put("memory", "48Mi")));
    JsonObject done = awaitTask(task);
    assertThat(done.getString("state")).isEqualTo("Failed");
    assertThat(done.getString("reason")).startsWith("OOMKilled");
  }

  @Test
  void aCancelledTaskLeavesNoProcessBehind() throws Exception {
    String id = submit(new JsonObject().put("command", new JsonArray(List.of("sh", "-c",
        "setsid sleep 300 & echo $! > /tmp/cairn-isolation-" + ProcessHandle.current().pid() + "; sleep 300"))));
    Path pidFile = Path.of("/tmp/cairn-isolation-" + ProcessHandle.current().pid());
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
    long escaped = Long.parseLong(Files.readString(pidFile).trim());
    Files.deleteIfExists(pidFile);
    assertThat(Processes.running(escaped)).isTrue();
    node.post("/api/v1/tasks/" + id + "/cancel", "application/json", "{}");
    assertThat(awaitTask(id).getString("state")).isEqualTo("Cancelled");
    await().atMost(Duration.ofSeconds(15)).until(() -> !Processes.running(escaped));
  }

  @Test
  void emptyGroupsLeftByAnEarlierAgentAreRemovedAtStart() throws Exception {
    assumeTrue("v1".equals(isolation.getString("cgroups")), "written for a v1 hierarchy (the freezer's directory)");
    Cgroups groups = Cgroups.detect("cairn");
    String old = "left-behind-" + ProcessHandle.current().pid();
    String fresh = "just-made-" + ProcessHandle.current().pid();
    groups.create(old, new Cgroups.Limits(0, 0, 0));
    groups.create(fresh, new Cgroups.Limits(0, 0, 0));
    // as if made by an agent that died two minutes ago
    Files.setLastModifiedTime(Path.of("/sys/fs/cgroup/freezer/cairn", old),
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 120_000));
    Isolation.create("", List.of(Path.of("/tmp")), 0, data.resolve("work-check"));
    assertThat(groups.ids()).doesNotContain(old).as("a fresh one may be a launch in progress").contains(fresh);
    groups.remove(fresh);
  }
}

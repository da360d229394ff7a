package io.cairn.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.testing.Manifests;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spec's env reaches only its command, after the drop to the run user: a loader variable
 * (LD_PRELOAD) never loads a library into a root step of the launch (setsid, the group join,
 * setpriv), and the command gets exactly its spec env, the documented base and Cairn's markers.
 */
@Timeout(120)
class LaunchEnvironmentTest {
  static final Set<String> BASE = Set.of("PATH", "LANG", "HOME", "USER", "PWD");
  static TestNode node;
  @RegisterExtension
  static SharedNode shared = new SharedNode(n -> node = n);
  @TempDir
  Path tmp;

  /** A shared library whose constructor appends "uid euid exe" of every process that loads it to a file. */
  record Preload(Path library, Path record) {
    static Preload compile(Path dir) throws Exception {
      assumeTrue("root".equals(System.getProperty("user.name")), "the privilege drop needs a node running as root");
      assumeTrue(gcc(), "needs gcc to build the preloaded library");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // the run user loads it
      Path record = dir.resolve("record");
      Files.createFile(record);
      Files.setPosixFilePermissions(record, PosixFilePermissions.fromString("rw-rw-rw-"));
      Path source = dir.resolve("record.c");
      Files.writeString(source, """
          #include <stdio.h>
          #include <unistd.h>
          __attribute__((constructor)) static void record(void) {
            char exe[512];
            ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
            exe[n < 0 ? 0 : n] = 0;
            FILE *f = fopen(RECORD, "a");
            if (f) { fprintf(f, "%d %d %s\\n", (int) getuid(), (int) geteuid(), exe); fclose(f); }
          }
          """);
      Path library = dir.resolve("librecord.so");
      Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-DRECORD=\"" + record + "\"", "-o",
          library.toString(), source.toString()).redirectErrorStream(true).start();
      String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(gcc.waitFor()).as(out).isZero();
      return new Preload(library, record);
    }

    List<String> lines() throws IOException {
      return Files.readAllLines(record).stream().filter(l -> !l.isBlank()).toList();
    }

    /** Waits until the command loaded the library, then checks that no process did so as root. */
    void assertLoadedOnlyBy(String exe) throws IOException {
      await().atMost(Duration.ofSeconds(30)).until(() -> lines().stream().anyMatch(l -> l.endsWith("/" + exe)));
      // the root steps run before the command: by now any of them that loaded it has written its line
      assertThat(lines()).as("uid euid exe of each process that loaded the library")
          .allSatisfy(l -> assertThat(l).startsWith("65534 65534 "))
          .anySatisfy(l -> assertThat(l).isEqualTo("65534 65534 /usr/bin/" + exe));
    }

    private static boolean gcc() {
      try {
        return new ProcessBuilder("gcc", "--version").redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  @Test
  void aWorkloadsLdPreloadReachesItsCommandButNoRootStep() throws Exception {
    Preload preload = Preload.compile(tmp);
    JsonObject manifest = Manifests.workload("preloaded", 1, "sleep", "300");
    manifest.getJsonObject("spec").put("env", new JsonObject().put("LD_PRELOAD", preload.library().toString())
        .put("MINE", "yes"));
    assertThat(node.apply("preloaded", manifest).status()).isEqualTo(201);
    preload.assertLoadedOnlyBy("sleep");

    await().atMost(Duration.ofSeconds(10)).until(() -> instance("preloaded").getLong("pid") != null);
    JsonObject instance = instance("preloaded");
    Map<String, String> env = environ(instance.getLong("pid"));
    assertThat(env.keySet()).as("nothing of the node's environment, nothing the launch used on the way")
        .containsExactlyInAnyOrder("PATH", "LANG", "HOME", "USER", "PWD", "LD_PRELOAD", "MINE",
            ProcessDriver.ENV_NODE_ID, ProcessDriver.ENV_INSTANCE_ID, ProcessDriver.ENV_WORKLOAD);
    assertThat(env).containsEntry("LD_PRELOAD", preload.library().toString()).containsEntry("MINE", "yes")
        .containsEntry("USER", "nobody").containsEntry(ProcessDriver.ENV_INSTANCE_ID, instance.getString("id"));
    assertThat(node.delete("/api/v1/workloads/preloaded").status()).isEqualTo(202);
  }

  @Test
  void aTasksLdPreloadReachesItsCommandButNoRootStep() throws Exception {
    Preload preload = Preload.compile(tmp);
    TestNode.Reply submitted = node.post("/api/v1/tasks", "application/json", new JsonObject()
        .put("command", new JsonArray().add("env"))
        .put("env", new JsonObject().put("LD_PRELOAD", preload.library().toString()).put("MINE", "yes")).encode());
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String id = submitted.json().getString("id");
    preload.assertLoadedOnlyBy("env");

    await().atMost(Duration.ofSeconds(30)).until(() -> "Succeeded".equals(
        node.get("/api/v1/tasks/" + id).json().getString("state")));
    List<String> names = Arrays.stream(node.get("/api/v1/tasks/" + id + "/output?format=raw").body().split("\n"))
        .map(l -> l.substring(0, Math.max(0, l.indexOf('=')))).toList();
    assertThat(names).containsExactlyInAnyOrder("PATH", "LANG", "HOME", "USER", "PWD", "LD_PRELOAD", "MINE",
        "CAIRN_TASK_ID", "CAIRN_TASK_NODE");
  }

  @Test
  void valuesReachTheCommandByteForByteWhateverShellTheyLookLike() {
    String tricky = "a \"$(id)\" `id` ${HOME} 'q' \\\n  b\n";
    TestNode.Reply submitted = node.post("/api/v1/tasks", "application/json", new JsonObject()
        .put("command", new JsonArray().add("printenv").add("TRICKY").add("n").add("IFS"))
        .put("env", new JsonObject().put("IFS", "x").put("TRICKY", tricky).put("n", "one")).encode());
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String id = submitted.json().getString("id");
    await().atMost(Duration.ofSeconds(30)).until(() -> "Succeeded".equals(
        node.get("/api/v1/tasks/" + id).json().getString("state")));
    assertThat(node.get("/api/v1/tasks/" + id + "/output?format=raw").body()).isEqualTo(tricky + "\none\nx\n");
  }

  @Test
  void theLaunchChainGetsAFixedEnvironmentAndNoSpecValueOnItsCommandLine() {
    Isolation isolation = Isolation.create("", List.of(Path.of("/tmp")), 0, tmp.resolve("work"));
    String id = "chain-" + ProcessHandle.current().pid();
    Isolation.Prepared prepared = isolation.prepare(id, List.of("true"),
        Map.of("LD_PRELOAD", "/opt/evil.so", "GCONV_PATH", "/opt/gconv", "API_TOKEN", "s3cret-value"),
        Map.of(ProcessDriver.ENV_INSTANCE_ID, id), null, 0, 0);
    isolation.cgroups().remove(id);
    assertThat(prepared.env()).doesNotContainKeys("LD_PRELOAD", "GCONV_PATH", "API_TOKEN");
    assertThat(prepared.env().keySet()).allSatisfy(k -> assertThat(BASE.contains(k) || k.startsWith("CAIRN_")).isTrue());
    assertThat(String.join("\n", prepared.argv())).doesNotContain("s3cret-value", "/opt/evil.so", "/opt/gconv");
  }

  static JsonObject instance(String workload) {
    return node.workload(workload).getJsonObject("status").getJsonArray("instances").getJsonObject(0);
  }

  static Map<String, String> environ(long pid) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String kv : Files.readString(Path.of("/proc", Long.toString(pid), "environ")).split("\0")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        env.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return env;
  }
}

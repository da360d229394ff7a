package io.cairn.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.Processes;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import io.cairn.testing.TestNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The real `cairn agent` command in its own JVM: JSON logs, SIGTERM drains and exits 0, bad config exits 2. */
@Timeout(120)
class AgentProcessTest {
  private static final HttpClient HTTP = TestNode.http();

  @TempDir
  Path dir;

  Process launch(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.cairn.Main", "agent"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout.log").toFile())
        .redirectError(dir.resolve("stderr.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
    pb.environment().putAll(env);
    return pb.start();
  }

  HttpResponse<String> http(String method, String url, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
        : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void sigtermDrainsAndExitsZeroAndWorkloadsKeepRunning() throws Exception {
    Path data = dir.resolve("data");
    // cpuThreshold 100: this test must not depend on how busy the machine running it is
    Process agent = launch(Map.of("CAIRN_SHUTDOWN_GRACE_PERIOD", "3s", "CAIRN_ADMISSION_CPU_THRESHOLD", "100"),
        "--data-dir", data.toString(),
        "--http-port", "0", "--s3-port", "0");
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(data.resolve("http.port")));
      String base = "http://127.0.0.1:" + Files.readString(data.resolve("http.port")).trim();
      await().atMost(Duration.ofSeconds(30)).until(() -> http("GET", base + "/health/ready", null).statusCode() == 200);
      HttpResponse<String> applied = http("PUT", base + "/api/v1/workloads/survivor",
          "{\"spec\":{\"command\":[\"sleep\",\"300\"]}}");
      assertThat(applied.statusCode()).isEqualTo(201);
      long pid = new JsonObject(applied.body()).getJsonObject("status").getJsonArray("instances").getJsonObject(0)
          .getLong("pid");

      // a request still in flight at SIGTERM (a log follow never ends by itself) is given the
      // grace period (3s), then cut, and the agent still exits 0
      java.util.concurrent.CompletableFuture<HttpResponse<java.io.InputStream>> follow = HTTP.sendAsync(
          HttpRequest.newBuilder(URI.create(base + "/api/v1/workloads/survivor/logs?follow=true")).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(follow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      long signalled = System.nanoTime();
      agent.destroy(); // SIGTERM
      assertThat(agent.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(agent.exitValue()).isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(3 + 5));
      assertThat(Processes.running(pid)).as("workloads outlive the agent").isTrue();
      Processes.kill(pid);

      List<String> lines = Files.readAllLines(dir.resolve("stdout.log"));
      assertThat(lines).isNotEmpty().allSatisfy(line -> {
        JsonObject json = new JsonObject(line);
        assertThat(json.fieldNames()).contains("time", "level", "logger", "message", "nodeId");
      });
      assertThat(lines).anyMatch(l -> l.contains("\"workload\":\"survivor\"") && l.contains("\"requestId\""));
      assertThat(lines).anyMatch(l -> l.contains("node stopped"));
    } finally {
      agent.destroyForcibly();
    }
  }

  @Test
  void invalidConfigurationExitsNonZeroNamingTheSetting() throws Exception {
    Process badPort = launch(Map.of(), "--data-dir", dir.resolve("d1").toString(), "--http-port", "70000");
    assertThat(badPort.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(badPort.exitValue()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("stderr.log"))).contains("http.port").contains("70000");

    Process badEnv = launch(Map.of("CAIRN_GC_FAILED_TTL", "forever"), "--data-dir", dir.resolve("d2").toString());
    assertThat(badEnv.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(badEnv.exitValue()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("stderr.log"))).contains("gc.failedTtl").contains("CAIRN_GC_FAILED_TTL");

    // listening beyond loopback without tokens needs an explicit choice
    Process exposed = launch(Map.of(), "--data-dir", dir.resolve("d4").toString(), "--http-host", "0.0.0.0");
    assertThat(exposed.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(exposed.exitValue()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("stderr.log"))).contains("http.host: 0.0.0.0 is not a loopback address")
        .contains("auth.enabled").contains("--insecure-no-auth");

    Path conf = Files.writeString(dir.resolve("bad.yaml"), "http:\n  prot: 1\n");
    Process badFile = launch(Map.of(), "--config", conf.toString(), "--data-dir", dir.resolve("d3").toString());
    assertThat(badFile.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(badFile.exitValue()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("stderr.log"))).contains("http.prot").contains("unknown setting");
  }

  @Test
  void aHugeNodeLabelStopsStartUpNamingTheSetting() throws Exception {
    // a 100 KB label would be copied into every node record the cluster replicates
    Process huge = launch(Map.of(), "--data-dir", dir.resolve("d1").toString(), "--label", "zone=a",
        "--label", "big=" + "x".repeat(100 * 1024));
    assertThat(huge.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(huge.exitValue()).isEqualTo(2);
    String stderr = Files.readString(dir.resolve("stderr.log"));
    assertThat(stderr).contains("node.labels").contains("'big'").contains("label values are at most 63 characters");
    assertThat(stderr.length()).as("the error does not echo the value").isLessThan(2000);
    assertThat(Files.exists(dir.resolve("d1").resolve("http.port"))).as("nothing was started").isFalse();
  }

  static boolean root() throws Exception {
    return Files.readString(Path.of("/proc/self/status")).lines().anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
  }

  @Test
  void aDevNodesS3EnvSetsTheVariablesWhenAShellSourcesIt() throws Exception {
    Path data = dir.resolve("dev");
    Process agent = launch(Map.of(), "--dev", "--data-dir", data.toString(), "--http-port", "0", "--s3-port", "0");
    try {
      Path envFile = data.resolve("s3.env");
      await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(envFile) && Files.exists(data.resolve("s3.port")));
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(envFile)))
          .isEqualTo("rw-------");
      // as root, workloads run as nobody and must traverse (never list or read) the data dir to reach work/
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
          .isEqualTo(root() ? "rwx--x--x" : "rwx------");
      for (String owned : List.of("state", "logs", "chunks")) {
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(owned))))
            .as(owned + " is the node user's alone").isEqualTo("rwx------");
      }
      // what the start line and README tell a user to do: ". DATA_DIR/s3.env", then run a client
      ProcessBuilder shell = new ProcessBuilder("sh", "-c", ". \"$1\" && env", "sh", envFile.toString());
      shell.environment().clear();
      Process sourced = shell.start();
      String env = new String(sourced.getInputStream().readAllBytes());
      assertThat(sourced.waitFor()).isZero();
      assertThat(env).containsPattern("(?m)^AWS_ACCESS_KEY_ID=CAIRN\\w+$").containsPattern("(?m)^AWS_SECRET_ACCESS_KEY=.{40}$")
          .contains("CAIRN_S3_ENDPOINT=http://127.0.0.1:" + Files.readString(data.resolve("s3.port")).trim());
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(dir.resolve("stderr.log")).contains("ready at"));
      assertThat(Files.readString(dir.resolve("stderr.log"))).contains("credentials: . " + envFile);
    } finally {
      agent.destroy();
      agent.waitFor(20, TimeUnit.SECONDS);
      agent.destroyForcibly();
    }
  }
}

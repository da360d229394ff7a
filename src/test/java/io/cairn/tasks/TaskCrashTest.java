package io.cairn.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real agent JVM with tasks running: after a restart a task without retries is Lost
 * (not silently re-run) and its leftover process is killed; a task with retries left runs again.
 */
@Timeout(180)
class TaskCrashTest {
  @TempDir
  Path dir;

  Process agent() throws Exception {
    Path data = dir.resolve("data");
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.cairn.Main", "agent",
        "--data-dir", data.toString(), "--http-port", "0", "--s3-port", "0"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.log").toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
    pb.environment().put("CAIRN_TASKS_MAX_CONCURRENT", "4");
    pb.environment().put("CAIRN_S3_ACCESS_KEY_ID", TestNode.ACCESS_KEY_ID);
    pb.environment().put("CAIRN_S3_SECRET_ACCESS_KEY", TestNode.SECRET_ACCESS_KEY);
    Files.deleteIfExists(data.resolve("http.port"));
    Process p = pb.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(data.resolve("http.port")));
    await().atMost(Duration.ofSeconds(30)).until(() -> call("GET", "/health/ready", null).statusCode() == 200);
    return p;
  }

  HttpResponse<String> call(String method, String path, String body) throws Exception {
    String port = Files.readString(dir.resolve("data").resolve("http.port")).trim();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return TestNode.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonObject task(String id) throws Exception {
    return new JsonObject(call("GET", "/api/v1/tasks/" + id, null).body());
  }

  @Test
  void afterACrashUnfinishedTasksAreLostOrRetried() throws Exception {
    Process node = agent();
    String marker = TestNode.sharedDir("crash").resolve("ran-once").toString();
    String lost = new JsonObject(call("POST", "/api/v1/tasks", new JsonObject()
        .put("command", new JsonArray().add("sleep").add("120")).encode()).body()).getString("id");
    String retried = new JsonObject(call("POST", "/api/v1/tasks", new JsonObject()
        .put("command", new JsonArray().add("sh").add("-c")
            .add("if [ -f " + marker + " ]; then echo second run; exit 0; fi; touch " + marker + "; sleep 120"))
        .put("retries", 1).encode()).body()).getString("id");
    await().atMost(Duration.ofSeconds(10)).until(() -> "Running".equals(task(lost).getString("state"))
        && "Running".equals(task(retried).getString("state")) && Files.exists(Path.of(marker)));
    long pid = task(lost).getLong("pid");
    Thread.sleep(300); // let the batched record of Running reach the state store

    node.destroyForcibly().waitFor();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .as("the task's process outlives the crashed agent").isTrue();

    Process again = agent();
    try {
      JsonObject l = task(lost);
      assertThat(l.getString("state")).isEqualTo("Lost");
      assertThat(l.getString("reason")).contains("node restarted while the task was Running")
          .contains("leftover process was killed");
      await().atMost(Duration.ofSeconds(5)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
      await().atMost(Duration.ofSeconds(20)).until(() -> "Succeeded".equals(task(retried).getString("state")));
      JsonObject r = task(retried);
      assertThat(r.getInteger("attempt")).isEqualTo(1);
      assertThat(call("GET", "/api/v1/tasks/" + retried + "/output?format=raw", null).body()).as("task %s", r)
          .isEqualTo("second run\n");
      assertThat(call("GET", "/api/v1/events?type=TaskLost", null).body()).contains(lost);
    } finally {
      again.destroy();
      again.waitFor();
    }
  }
}

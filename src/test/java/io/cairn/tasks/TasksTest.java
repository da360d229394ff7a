package io.cairn.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks end to end on a real node with real child processes: many tasks with their exit codes and
 * complete, ordered output; queue-full; cancel; timeout (TERM, and KILL for a task ignoring TERM);
 * bad input; backpressure and disconnects on output streams; agent stop cancelling with a reason
 * that survives a restart; retention.
 */
@Timeout(180)
class TasksTest {
  @TempDir
  Path data;

  static JsonObject submit(TestNode node, JsonObject body) {
    TestNode.Reply r = node.post("/api/v1/tasks", "application/json", body.encode());
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  static JsonObject task(TestNode node, String id) {
    TestNode.Reply r = node.get("/api/v1/tasks/" + id);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  static JsonObject awaitEnd(TestNode node, String id, Duration within) {
    JsonObject[] last = new JsonObject[1];
    await().atMost(within).pollInterval(Duration.ofMillis(50)).until(() -> {
      last[0] = task(node, id);
      return List.of("Succeeded", "Failed", "TimedOut", "Cancelled", "Lost").contains(last[0].getString("state"));
    });
    return last[0];
  }

  static JsonObject command(String... argv) {
    return new JsonObject().put("command", new JsonArray(List.of(argv)));
  }

  /** The NDJSON output of a task: stdout text, stderr text, and the end line. */
  record Output(String stdout, String stderr, JsonObject end, long skipped) {}

  static Output output(TestNode node, String id, String query) {
    TestNode.Reply r = node.get("/api/v1/tasks/" + id + "/output" + query);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    StringBuilder out = new StringBuilder();
    StringBuilder err = new StringBuilder();
    JsonObject end = null;
    long skipped = 0;
    for (String line : r.body().split("\n")) {
      JsonObject o = new JsonObject(line);
      if (o.containsKey("end")) {
        end = o.getJsonObject("task");
      } else if (o.containsKey("skipped")) {
        skipped += o.getLong("skipped");
      } else {
        ("stdout".equals(o.getString("stream")) ? out : err).append(o.getString("data"));
      }
    }
    return new Output(out.toString(), err.toString(), end, skipped);
  }

  @Test
  void twoHundredTasksFinishWithTheirExitCodesAndCompleteOrderedOutput() {
    try (TestNode node = TestNode.start(data, Map.of("tasks.maxConcurrent", "4"))) {
      List<String> ids = new ArrayList<>();
      for (int n = 0; n < 200; n++) {
        JsonObject body = command("sh", "-c", "i=0; while [ $i -lt 40 ]; do echo \"$N out $i\"; echo \"$N err $i\" >&2;"
            + " i=$((i+1)); done; exit $((N % 4))").put("env", new JsonObject().put("N", Integer.toString(n)));
        JsonObject t = submit(node, body);
        assertThat(t.getString("id")).isNotBlank();
        assertThat(t.getString("state")).isIn("Queued", "Dispatched");
        assertThat(t.getString("node")).isEqualTo(node.nodeId());
        ids.add(t.getString("id"));
      }
      for (int n = 0; n < 200; n++) {
        JsonObject t = awaitEnd(node, ids.get(n), Duration.ofSeconds(60));
        int code = n % 4;
        assertThat(t.getString("state")).as("task %d", n).isEqualTo(code == 0 ? "Succeeded" : "Failed");
        assertThat(t.getInteger("exitCode")).isEqualTo(code);
        Output o = output(node, ids.get(n), "");
        StringBuilder expectedOut = new StringBuilder();
        StringBuilder expectedErr = new StringBuilder();
        for (int i = 0; i < 40; i++) {
          expectedOut.append(n).append(" out ").append(i).append('\n');
          expectedErr.append(n).append(" err ").append(i).append('\n');
        }
        assertThat(o.stdout()).isEqualTo(expectedOut.toString());
        assertThat(o.stderr()).isEqualTo(expectedErr.toString());
        assertThat(o.end().getString("state")).isEqualTo(t.getString("state"));
      }
      JsonObject page = node.get("/api/v1/tasks?limit=50&state=Failed").json();
      assertThat(page.getJsonArray("items")).hasSize(50);
      assertThat(page.getString("nextPageToken")).isNotNull();
      JsonObject rest = node.get("/api/v1/tasks?limit=1000&state=Failed&pageToken=" + page.getString("nextPageToken")).json();
      assertThat(rest.getJsonArray("items")).hasSize(100);
      assertThat(node.get("/metrics").body()).contains("cairn_tasks_finished_total{state=\"Succeeded\"} 50.0");
    }
  }

  @Test
  void aFullQueueRefusesCancelStopsAndTimeoutsKill() {
    try (TestNode node = TestNode.start(data, Map.of("tasks.maxConcurrent", "1", "tasks.queueCapacity", "2",
        "tasks.stopGracePeriod", "500ms"))) {
      String running = submit(node, command("sleep", "30")).getString("id");
      String queuedA = submit(node, command("sleep", "30")).getString("id");
      String queuedB = submit(node, command("sleep", "30")).getString("id");
      TestNode.Reply full = node.post("/api/v1/tasks", "application/json", command("true").encode());
      assertThat(full.status()).isEqualTo(429);
      assertThat(full.code()).isEqualTo("QUEUE_FULL");
      assertThat(full.json().getJsonObject("error").getString("message")).contains("is full").contains("try again");
      await().atMost(Duration.ofSeconds(5)).until(() -> "Running".equals(task(node, running).getString("state")));
      assertThat(task(node, queuedA).getString("state")).isEqualTo("Queued");
      // a running task is in the location registry; a queued one is nowhere yet
      await().atMost(Duration.ofSeconds(5)).until(() -> node.get("/api/v1/locations/" + running).status() == 200);
      assertThat(node.get("/api/v1/locations/" + running).json().getString("node")).isEqualTo(node.nodeId());
      assertThat(node.get("/api/v1/locations/" + queuedA).status()).isEqualTo(404);

      TestNode.Reply cancelledQueued = node.post("/api/v1/tasks/" + queuedA + "/cancel", "application/json",
          "{\"reason\":\"not needed\"}");
      assertThat(cancelledQueued.status()).isEqualTo(202);
      assertThat(cancelledQueued.json().getString("state")).isEqualTo("Cancelled");
      assertThat(cancelledQueued.json().getString("reason")).isEqualTo("not needed");

      long pid = task(node, running).getLong("pid");
      node.post("/api/v1/tasks/" + running + "/cancel", "application/json", "");
      JsonObject ended = awaitEnd(node, running, Duration.ofSeconds(10));
      assertThat(ended.getString("state")).isEqualTo("Cancelled");
      assertThat(ended.getString("reason")).isEqualTo("cancelled by a client");
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      await().atMost(Duration.ofSeconds(5)).until(() -> node.get("/api/v1/locations/" + running).status() == 404);
      TestNode.Reply again = node.post("/api/v1/tasks/" + running + "/cancel", "application/json", "");
      assertThat(again.status()).isEqualTo(409);
      assertThat(again.code()).isEqualTo("CONFLICT");

      // the slot went to the next queued task
      await().atMost(Duration.ofSeconds(5)).until(() -> "Running".equals(task(node, queuedB).getString("state")));
      node.post("/api/v1/tasks/" + queuedB + "/cancel", "application/json", "");
      awaitEnd(node, queuedB, Duration.ofSeconds(10));

      JsonObject timed = awaitEnd(node, submit(node, command("sleep", "30").put("timeout", "300ms")).getString("id"),
          Duration.ofSeconds(10));
      assertThat(timed.getString("state")).isEqualTo("TimedOut");
      assertThat(timed.getString("reason")).contains("timeout of 300ms");
      // a task that ignores SIGTERM is killed after tasks.stopGracePeriod
      JsonObject stubborn = awaitEnd(node, submit(node, command("sh", "-c", "trap '' TERM; echo ready; sleep 30 & wait; sleep 30")
          .put("timeout", 0.5)).getString("id"), Duration.ofSeconds(10));
      assertThat(stubborn.getString("state")).isEqualTo("TimedOut");
      assertThat(stubborn.getInteger("exitCode")).isEqualTo(137);
      // events are written with the task records, in batches
      await().atMost(Duration.ofSeconds(5)).until(() ->
          node.get("/api/v1/events?type=TaskTimedOut").json().getJsonArray("items").size() == 2);
    }
  }

  @Test
  void badRequestsGetFieldErrorsAndPlacementIsChecked() {
    try (TestNode node = TestNode.start(data, Map.of("node.labels", "zone=a,disk=ssd"))) {
      TestNode.Reply bad = node.post("/api/v1/tasks", "application/json", new JsonObject()
          .put("env", new JsonObject().put("CAIRN_X", "1")).put("timeout", "soon").put("colour", "red").encode());
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.code()).isEqualTo("INVALID_ARGUMENT");
      List<String> fields = new ArrayList<>();
      bad.json().getJsonObject("error").getJsonArray("details").forEach(d -> fields.add(((JsonObject) d).getString("field")));
      assertThat(fields).contains("command", "env.CAIRN_X", "timeout", "colour");
      assertThat(node.post("/api/v1/tasks", "application/json", "[1,2").status()).isEqualTo(400);

      JsonObject here = awaitEnd(node, submit(node, command("true").put("placement", new JsonObject().put("zone", "a")))
          .getString("id"), Duration.ofSeconds(10));
      assertThat(here.getString("state")).isEqualTo("Succeeded");
      TestNode.Reply elsewhere = node.post("/api/v1/tasks", "application/json",
          command("true").put("placement", new JsonObject().put("zone", "b")).encode());
      assertThat(elsewhere.status()).isEqualTo(422);
      assertThat(elsewhere.code()).isEqualTo("UNSCHEDULABLE");
      assertThat(elsewhere.json().getJsonObject("error").getString("message")).contains("zone=b").contains("zone=a");
      TestNode.Reply huge = node.post("/api/v1/tasks", "application/json",
          command("true").put("resources", new JsonObject().put("memory", "100Ti")).encode());
      assertThat(huge.status()).isEqualTo(422);
      assertThat(huge.code()).isEqualTo("UNSCHEDULABLE");

      JsonObject missing = awaitEnd(node, submit(node, command("no-such-program-here")).getString("id"),
          Duration.ofSeconds(10));
      assertThat(missing.getString("state")).isEqualTo("Failed");
      assertThat(missing.getString("reason")).contains("EXEC_FAILED").contains("not found");
      assertThat(node.get("/api/v1/tasks/nope").status()).isEqualTo(404);
      assertThat(node.get("/api/v1/tasks?state=Sleeping").status()).isEqualTo(400);
      assertThat(node.get("/api/v1/tasks/" + missing.getString("id") + "/output?stream=both&offset=-1").status())
          .isEqualTo(400);
    }
  }

  @Test
  void outputStreamsApplyBackpressureAndReleaseDisconnectedReaders() throws Exception {
    try (TestNode node = TestNode.start(data, Map.of("tasks.maxOutput", "64Ki"))) {
      // a follower that reads everything gets all 5 MB live although only 64 KiB are kept
      String big = submit(node, command("sh", "-c", "sleep 1; head -c 5000000 /dev/zero | tr '\\0' x")).getString("id");
      HttpResponse<InputStream> stream = TestNode.http().send(HttpRequest.newBuilder(
          URI.create(node.url("/api/v1/tasks/" + big + "/output?follow=true&format=raw"))).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      byte[] all = stream.body().readAllBytes();
      assertThat(all.length).isEqualTo(5_000_000);
      JsonObject done = awaitEnd(node, big, Duration.ofSeconds(10));
      assertThat(done.getJsonObject("output").getLong("bytes")).isEqualTo(5_000_000L);
      assertThat(done.getJsonObject("output").getLong("droppedBytes")).isEqualTo(5_000_000L - 65_536);
      Output later = output(node, big, "");
      assertThat(later.stdout()).hasSize(65_536);
      assertThat(later.skipped()).isEqualTo(5_000_000L - 65_536);

      // a follower that stops reading holds the task back (bounded memory), and letting go frees it
      String slow = submit(node, command("sh", "-c", "sleep 1; head -c 50000000 /dev/zero | tr '\\0' y")).getString("id");
      try (Socket socket = new Socket("127.0.0.1", node.agent().httpPort())) {
        socket.setReceiveBufferSize(4096);
        OutputStream os = socket.getOutputStream();
        os.write(("GET /api/v1/tasks/" + slow + "/output?follow=true&format=raw HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        os.flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> metric(node, "cairn_tasks_output_followers") == 1.0);
        Thread.sleep(4000);
        JsonObject held = task(node, slow);
        assertThat(held.getString("state")).as("a reader that does not read holds the writer").isEqualTo("Running");
        assertThat(held.getJsonObject("output").getLong("bytes")).isLessThan(20_000_000L);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> metric(node, "cairn_tasks_output_followers") == 0.0);
      JsonObject freed = awaitEnd(node, slow, Duration.ofSeconds(30));
      assertThat(freed.getString("state")).isEqualTo("Succeeded");
      assertThat(freed.getJsonObject("output").getLong("bytes")).isEqualTo(50_000_000L);
    }
  }

  @Test
  void aFollowerThatStopsReadingIsDroppedAfterTheStallTimeoutAndTheTaskGoesOn() throws Exception {
    try (TestNode node = TestNode.start(data, Map.of("tasks.maxOutput", "64Ki", "tasks.followerStallTimeout", "2s",
        "http.idleTimeout", "1s"))) {
      String id = submit(node, command("sh", "-c", "sleep 1; head -c 80000000 /dev/zero | tr '\\0' z")).getString("id");
      try (Socket socket = new Socket("127.0.0.1", node.agent().httpPort())) {
        socket.setReceiveBufferSize(4096);
        OutputStream os = socket.getOutputStream();
        os.write(("GET /api/v1/tasks/" + id + "/output?follow=true&format=raw HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        os.flush();
        await().atMost(Duration.ofSeconds(10)).until(() -> metric(node, "cairn_tasks_output_followers") == 1.0);
        // never read: after 2s of nothing taken the follower is dropped and the task runs to its end
        JsonObject done = awaitEnd(node, id, Duration.ofSeconds(60));
        assertThat(done.getString("state")).isEqualTo("Succeeded");
        assertThat(done.getJsonObject("output").getLong("bytes")).isEqualTo(80_000_000L);
        assertThat(metric(node, "cairn_tasks_output_followers")).isZero();
        // and its connection was ended on the node's side (bytes already in the kernel's buffers may
        // still trickle to this slow socket): only this test's scrape connection is left open (the
        // test client's pooled one idles out after 1s)
        await().atMost(Duration.ofSeconds(10)).until(() -> io.cairn.api.SlowClientsTest.openConnections(
            node.agent().httpPort()) == 1);
      }
    }
  }

  @Test
  void stoppingTheAgentCancelsTasksWithAReasonThatSurvivesARestart() throws Exception {
    TestNode node = TestNode.start(data, Map.of("tasks.maxConcurrent", "1", "shutdown.gracePeriod", "2s"));
    String running = submit(node, command("sh", "-c", "echo started; sleep 60")).getString("id");
    String queued = submit(node, command("sleep", "60")).getString("id");
    await().atMost(Duration.ofSeconds(5)).until(() -> "Running".equals(task(node, running).getString("state")));
    CompletableFuture<String> follower = CompletableFuture.supplyAsync(() ->
        node.get("/api/v1/tasks/" + running + "/output?follow=true").body());
    await().atMost(Duration.ofSeconds(5)).until(() -> metric(node, "cairn_tasks_output_followers") == 1.0);
    node.stop();

    String streamed = follower.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(streamed).contains("started");
    String[] lines = streamed.split("\n");
    JsonObject end = new JsonObject(lines[lines.length - 1]).getJsonObject("task");
    assertThat(end.getString("state")).isEqualTo("Cancelled");
    assertThat(end.getString("reason")).contains("node shut down").contains("grace period");

    try (TestNode again = TestNode.start(data)) {
      JsonObject r = task(again, running);
      assertThat(r.getString("state")).isEqualTo("Cancelled");
      assertThat(r.getString("reason")).contains("node shut down");
      JsonObject q = task(again, queued);
      assertThat(q.getString("state")).isEqualTo("Cancelled");
      assertThat(q.getString("reason")).isEqualTo("the node shut down before the task started");
      assertThat(output(again, running, "").stdout()).isEqualTo("started\n");
    }
  }

  @Test
  void aFailedTaskWithRetriesRunsAgainUnderTheSameId() throws Exception {
    try (TestNode node = TestNode.start(data)) {
      Path marker = TestNode.sharedDir("retries").resolve("tried");
      String id = submit(node, command("sh", "-c", "echo try; if [ -f " + marker + " ]; then exit 0; fi; touch " + marker
          + "; exit 9").put("retries", 2)).getString("id");
      JsonObject t = awaitEnd(node, id, Duration.ofSeconds(15));
      assertThat(t.getString("state")).isEqualTo("Succeeded");
      assertThat(t.getInteger("attempt")).isEqualTo(1);
      assertThat(output(node, id, "").stdout()).isEqualTo("try\ntry\n");
      JsonObject never = awaitEnd(node, submit(node, command("sh", "-c", "exit 5").put("retries", 1)).getString("id"),
          Duration.ofSeconds(15));
      assertThat(never.getString("state")).isEqualTo("Failed");
      assertThat(never.getInteger("attempt")).isEqualTo(1);
      assertThat(never.getInteger("exitCode")).isEqualTo(5);
    }
  }

  @Test
  void oneRequestSubmitsAndStreamsTheOutput() {
    try (TestNode node = TestNode.start(data)) {
      TestNode.Reply r = node.post("/api/v1/tasks?follow=true", "application/json",
          command("sh", "-c", "echo a; echo b >&2; echo c; exit 2").encode());
      assertThat(r.status()).isEqualTo(201);
      String[] lines = r.body().split("\n");
      JsonObject first = new JsonObject(lines[0]).getJsonObject("task");
      assertThat(first.getString("id")).isEqualTo(r.headers().firstValue("Cairn-Task-Id").orElseThrow());
      StringBuilder out = new StringBuilder();
      for (int i = 1; i < lines.length - 1; i++) {
        JsonObject chunk = new JsonObject(lines[i]);
        if (chunk.getString("stream").equals("stdout")) {
          out.append(chunk.getString("data"));
        }
      }
      assertThat(out.toString()).isEqualTo("a\nc\n");
      JsonObject end = new JsonObject(lines[lines.length - 1]);
      assertThat(end.getBoolean("end")).isTrue();
      assertThat(end.getJsonObject("task").getInteger("exitCode")).isEqualTo(2);
      TestNode.Reply raw = node.post("/api/v1/tasks?follow=true&format=raw&stream=stdout", "application/json",
          command("sh", "-c", "echo x; echo y >&2").encode());
      assertThat(raw.body()).isEqualTo("x\n");
    }
  }

  @Test
  void finishedTasksAreForgottenAfterTheRetention() {
    try (TestNode node = TestNode.start(data, Map.of("tasks.retention", "1s"))) {
      String id = submit(node, command("echo", "short-lived")).getString("id");
      awaitEnd(node, id, Duration.ofSeconds(10));
      await().atMost(Duration.ofSeconds(10)).until(() -> node.get("/api/v1/tasks/" + id).status() == 404);
    }
  }

  static double metric(TestNode node, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(node.get("/metrics").body());
    Map<String, Double> values = new HashMap<>();
    double sum = 0;
    while (m.find()) {
      sum += Double.parseDouble(m.group(2));
      values.put(m.group(1), sum);
    }
    return sum;
  }
}

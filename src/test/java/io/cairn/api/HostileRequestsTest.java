package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.Manifests;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests a hostile client sends: bodies built to amplify errors, values exec cannot take, spec
 * values that would burn the node's cpu, and bytes the HTTP layer refuses before any route. Every
 * one gets a bounded JSON error with a code, and the node keeps answering.
 */
@Timeout(120)
public class HostileRequestsTest {
  @TempDir
  static Path data;
  static TestNode node;

  @BeforeAll
  static void start() {
    // the default restart floor (1s), not the short one other test nodes use
    node = TestNode.start(data, Map.of("reconcile.minRestartBackoff", "1s"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void halfAMillionBadArgumentsGetOneSmallError() {
    StringBuilder yaml = new StringBuilder("apiVersion: cairn/v1\nkind: Workload\nspec:\n  command: [\"sleep\"]\n  args:\n");
    while (yaml.length() < 1_000_000) {
      yaml.append("  - {}\n");
    }
    TestNode.Reply reply = node.put("/api/v1/workloads/amplify", "application/yaml", yaml.toString());
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().length()).isLessThan(4096);
    JsonArray details = reply.json().getJsonObject("error").getJsonArray("details");
    assertThat(details).hasSize(1);
    assertThat(details.getJsonObject(0).getString("field")).isEqualTo("spec.args");
    assertThat(details.getJsonObject(0).getString("message")).contains("at most 4096 items");
  }

  @Test
  void manyBadFieldsAreListedUpToACapWithTheirCount() {
    JsonArray args = new JsonArray();
    for (int i = 0; i < 3000; i++) {
      args.add(i);
    }
    JsonObject manifest = Manifests.workload("capped", 1, "sleep");
    manifest.getJsonObject("spec").put("args", args);
    TestNode.Reply reply = node.apply("capped", manifest);
    assertThat(reply.status()).isEqualTo(400);
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.getJsonArray("details")).hasSize(100);
    assertThat(error.getString("message")).isEqualTo("3000 fields are invalid (the first 100 are listed)");
    assertThat(reply.body().length()).isLessThan(16 * 1024);
  }

  @Test
  void aHugeKeyIsQuotedOnlyInPart() {
    String key = "K".repeat(40_000) + "-";
    JsonObject manifest = Manifests.workload("bigkey", 1, "sleep", "1");
    manifest.getJsonObject("spec").put("env", new JsonObject().put(key, "v"));
    TestNode.Reply reply = node.apply("bigkey", manifest);
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body().length()).isLessThan(4096);
    assertThat(reply.json().getJsonObject("error").getJsonArray("details").getJsonObject(0).getString("field"))
        .startsWith("spec.env.KKK").endsWith("...");
  }

  @Test
  void valuesExecCannotTakeAreRefusedAtSubmitWithTheirField() {
    JsonObject manifest = Manifests.workload("nul", 1, "sleep", "60");
    manifest.getJsonObject("spec").put("env", new JsonObject().put("GOOD", "a\u0000b")).put("workingDir", "/tmp/\u0000x");
    TestNode.Reply workload = node.apply("nul", manifest);
    assertThat(workload.status()).isEqualTo(400);
    assertThat(fields(workload)).containsExactlyInAnyOrder("spec.env.GOOD", "spec.workingDir");
    assertThat(node.get("/api/v1/workloads/nul").status()).as("nothing stored").isEqualTo(404);

    TestNode.Reply task = node.post("/api/v1/tasks", "application/json", new JsonObject()
        .put("command", new JsonArray().add("echo").add("x".repeat(40_000)))
        .put("env", new JsonObject().put("A", "\u0000")).put("workingDir", "/tmp/../etc").encode());
    assertThat(task.status()).isEqualTo(400);
    assertThat(fields(task)).containsExactlyInAnyOrder("command[1]", "env.A", "workingDir");
  }

  @Test
  void restartBackoffBelowTheNodesFloorIsRefusedNamingTheSetting() {
    TestNode.Reply reply = node.apply("spin", Manifests.withRestart(Manifests.workload("spin", 20, "true"),
        "Always", 100, "1ms", "1ms"));
    assertThat(reply.status()).isEqualTo(400);
    assertThat(fields(reply)).containsExactlyInAnyOrder("spec.restartPolicy.backoff.initial",
        "spec.restartPolicy.backoff.max");
    assertThat(reply.json().getJsonObject("error").getJsonArray("details").getJsonObject(0).getString("message"))
        .isEqualTo("must be at least 1s (this node's reconcile.minRestartBackoff)");
    assertThat(node.apply("spin", Manifests.withRestart(Manifests.workload("spin", 1, "true"),
        "Always", 100, "1s", "1s")).status()).isEqualTo(201);
    node.delete("/api/v1/workloads/spin");
  }

  @Test
  void anApplyThatCannotExecAnswersTheSameWhenRepeated() {
    JsonObject manifest = Manifests.workload("noexec", 1, "/no/such/program");
    TestNode.Reply first = node.apply("noexec", manifest);
    TestNode.Reply again = node.apply("noexec", manifest);
    assertThat(first.status()).isEqualTo(422);
    assertThat(first.code()).isEqualTo("EXEC_FAILED");
    assertThat(again.status()).isEqualTo(422);
    assertThat(again.code()).isEqualTo("EXEC_FAILED");
    assertThat(node.get("/api/v1/workloads/noexec").json().getJsonObject("status").getString("phase"))
        .as("the spec is kept, Failed, as desired state").isEqualTo("Failed");
    node.delete("/api/v1/workloads/noexec");
  }

  @Test
  void aYamlErrorNamesNoJavaClass() {
    TestNode.Reply reply = node.put("/api/v1/workloads/bad", "application/yaml", "spec: [unclosed\n  - : :\n");
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Za-z.]*(Exception|Error)")
        .doesNotContain("snakeyaml").contains("malformed YAML at line");
  }

  @Test
  void whatTheHttpLayerRefusesStillGetsACodedJsonError() throws Exception {
    int port = node.agent().httpPort();
    assertThat(raw(port, "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
        .startsWith("HTTP/1.").contains(" 414 ").contains("\"code\":\"URI_TOO_LONG\"");
    assertThat(raw(port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n"))
        .startsWith("HTTP/1.").contains(" 431 ").contains("\"code\":\"HEADERS_TOO_LARGE\"");
    assertThat(raw(port, "\u0001\u0002garbage \r\n\r\n"))
        .startsWith("HTTP/1.").contains(" 400 ").contains("\"code\":\"INVALID_ARGUMENT\"");
    int s3 = node.agent().s3Port();
    assertThat(raw(s3, "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
        .startsWith("HTTP/1.").contains(" 414 ").contains("<Code>InvalidURI</Code>");
    assertThat(raw(s3, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n"))
        .startsWith("HTTP/1.").contains(" 431 ").contains("<Code>RequestHeaderSectionTooLarge</Code>");
    assertThat(node.get("/health/live").status()).isEqualTo(200);
  }

  @Test
  void withAuthOffOnlyLocalHostNamesAreServed() throws Exception {
    int port = node.agent().httpPort();
    // a page on evil.example whose name was rebound to 127.0.0.1 still says so in Host
    assertThat(raw(port, "GET /api/v1/workloads HTTP/1.1\r\nHost: evil.example:" + port + "\r\nConnection: close\r\n\r\n"))
        .contains(" 421 ").contains("\"code\":\"MISDIRECTED_REQUEST\"");
    assertThat(raw(port, "GET /api/v1/workloads HTTP/1.1\r\nHost: localhost:" + port + "\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 200");
  }

  @Test
  void nextPageTokenIsAlwaysAString() {
    for (String path : new String[] {"/api/v1/workloads?limit=1", "/api/v1/tasks?limit=1", "/api/v1/events?limit=1000"}) {
      JsonObject page = node.get(path).json();
      assertThat(page.getValue("nextPageToken")).as(path).isInstanceOf(String.class);
    }
  }

  @Test
  void booleanParametersAreStrictEverywhere() {
    assertThat(node.get("/api/v1/workloads?watch=maybe").status()).isEqualTo(400);
    node.apply("flags", Manifests.workload("flags", 1, "sleep", "300"));
    TestNode.Reply follow = node.get("/api/v1/workloads/flags/logs?follow=maybe");
    assertThat(follow.status()).isEqualTo(400);
    assertThat(fields(follow)).containsExactly("follow");
    assertThat(node.get("/api/v1/tasks/x/output?follow=maybe").status()).isEqualTo(400);
    node.delete("/api/v1/workloads/flags");
  }

  static java.util.List<String> fields(TestNode.Reply reply) {
    JsonArray details = reply.json().getJsonObject("error").getJsonArray("details");
    return details.stream().map(d -> ((JsonObject) d).getString("field")).toList();
  }

  /** Sends bytes on a fresh socket and returns everything the server says before it closes. */
  public static String raw(int port, String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}

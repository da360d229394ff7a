package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.Manifests;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Instance output lands in files; the API tails and follows them. */
@Timeout(60)
class LogsTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  @BeforeAll
  static void start() {
    node.apply("talker", Manifests.workload("talker", 1, "sh", "-c",
        "echo to-stderr >&2; i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done"));
  }

  @AfterAll
  static void stop() {
    node.delete("/api/v1/workloads/talker");
  }

  @Test
  void tailReturnsTheLastLinesOfTheChosenStream() {
    await().atMost(Duration.ofSeconds(10)).until(() ->
        node.get("/api/v1/workloads/talker/logs?stream=stdout&tail=1000").body().contains("line 5\n"));
    String tail = node.get("/api/v1/workloads/talker/logs?stream=stdout&tail=3").body();
    List<String> lines = tail.lines().toList();
    assertThat(lines).hasSize(3).allMatch(l -> l.startsWith("line "));
    int first = Integer.parseInt(lines.get(0).substring(5));
    assertThat(lines).containsExactly("line " + first, "line " + (first + 1), "line " + (first + 2));

    assertThat(node.get("/api/v1/workloads/talker/logs?stream=stderr").body()).isEqualTo("to-stderr\n");
    String both = node.get("/api/v1/workloads/talker/logs?tail=2").body();
    assertThat(both).contains("stderr] to-stderr").contains("stdout] line ");
    assertThat(node.get("/api/v1/workloads/talker/logs?stream=sideways").code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(node.get("/api/v1/workloads/talker/logs?instance=zzz").code()).isEqualTo("NOT_FOUND");
  }

  @Test
  void followStreamsNewLinesUntilTheClientGoesAway() throws Exception {
    HttpResponse<InputStream> response = TestNode.http().send(HttpRequest.newBuilder(
            URI.create(node.url("/api/v1/workloads/talker/logs?stream=stdout&tail=1&follow=true"))).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(follows()).isEqualTo(1);
    List<Integer> seen = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      while (seen.size() < 15) {
        String line = reader.readLine();
        assertThat(line).startsWith("line ");
        seen.add(Integer.parseInt(line.substring(5)));
      }
    }
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i)).as("lines in order, none missing or repeated").isEqualTo(seen.get(i - 1) + 1);
    }
    // the client went away: its subscription is released
    await().atMost(Duration.ofSeconds(10)).until(() -> follows() == 0);
  }

  static int follows() {
    return node.get("/metrics").body().lines().filter(l -> l.startsWith("cairn_api_log_follows "))
        .map(l -> (int) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
  }
}

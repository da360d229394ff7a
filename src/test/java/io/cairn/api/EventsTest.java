package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.Manifests;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The audit stream: filters, size cap, and Server-Sent Events resumable with Last-Event-ID. */
@Timeout(60)
class EventsTest {
  @TempDir
  Path data;

  record Sse(long id, String type, JsonObject data) {}

  static List<Sse> readSse(InputStream body, int count) throws Exception {
    List<Sse> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      long id = -1;
      String type = null;
      for (String line; out.size() < count && (line = r.readLine()) != null; ) {
        if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4));
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          out.add(new Sse(id, type, new JsonObject(line.substring(6))));
        }
      }
    }
    return out;
  }

  static HttpResponse<InputStream> watch(TestNode node, String query, String lastEventId) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url("/api/v1/events?watch=true" + query)));
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    return TestNode.http().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  @Test
  void watchStreamsNewEventsAndResumesAfterTheLastSeenId() throws Exception {
    try (TestNode node = TestNode.start(data)) {
      HttpResponse<InputStream> live = watch(node, "&workload=sse", null);
      assertThat(live.headers().firstValue("Content-Type")).hasValue("text/event-stream");
      node.apply("sse", Manifests.workload("sse", 1, "sleep", "300"));
      List<Sse> first = readSse(live.body(), 2);
      assertThat(first).extracting(Sse::type).containsExactly("WorkloadApplied", "InstanceStarted");
      assertThat(first.get(1).data().getString("workload")).isEqualTo("sse");

      node.post("/api/v1/workloads/sse/scale", "application/json", "{\"replicas\":2}");
      HttpResponse<InputStream> resumed = watch(node, "&workload=sse", Long.toString(first.get(1).id()));
      List<Sse> after = readSse(resumed.body(), 2);
      assertThat(after).extracting(Sse::type).containsExactly("WorkloadScaled", "InstanceStarted");
      assertThat(after.get(0).id()).isGreaterThan(first.get(1).id());
      node.delete("/api/v1/workloads/sse");
    }
  }

  @Test
  void queriesFilterAndTheLogIsCapped() {
    try (TestNode node = TestNode.start(data, Map.of("events.maxEntries", "100"))) {
      for (int i = 0; i < 60; i++) {
        node.post("/api/v1/workloads/absent/retry", "application/json", "");
        node.apply("ev" + (i % 3), Manifests.workload("ev" + (i % 3), 0, "sleep", "1").put("metadata",
            new JsonObject().put("labels", new JsonObject().put("round", "r" + i))));
      }
      JsonObject page = node.get("/api/v1/events?limit=1000").json();
      JsonArray all = page.getJsonArray("items");
      assertThat(all.size()).isLessThanOrEqualTo(100);
      long firstId = all.getJsonObject(0).getLong("id");
      assertThat(all.getJsonObject(all.size() - 1).getLong("id") - firstId).isEqualTo(all.size() - 1);
      JsonArray ev1 = node.get("/api/v1/events?workload=ev1&type=WorkloadUpdated&limit=1000").json().getJsonArray("items");
      assertThat(ev1).isNotEmpty().allMatch(e -> ((JsonObject) e).getString("workload").equals("ev1")
          && ((JsonObject) e).getString("type").equals("WorkloadUpdated"));
      assertThat(node.get("/api/v1/events?since=1h&limit=5").json().getJsonArray("items")).hasSize(5);
      JsonArray paged = node.get("/api/v1/events?limit=5&pageToken=" + firstId).json().getJsonArray("items");
      assertThat(paged.getJsonObject(0).getLong("id")).isEqualTo(firstId + 1);
    }
  }
}

package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.Manifests;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain reads of a workload are answered on each API instance's own event loop from the views the
 * reconciler publishes; a write's answer must still be seen by the next read through any instance.
 * A node on a fixed port runs one API instance per core, and Vert.x hands new connections to them
 * in turn: each client here keeps its own connection, so writes and reads cross instances.
 */
@Timeout(120)
class ReadYourWritesTest {
  private static final int CLIENTS = 5;

  @TempDir
  Path data;

  @Test
  void aWriteIsReadBackThroughEveryConnectionAtOnce() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) { // a fixed port: several API instances share it
      port = probe.getLocalPort();
    }
    try (TestNode node = TestNode.start(data, Map.of("http.port", Integer.toString(port)))) {
      List<HttpClient> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        clients.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
            .build());
      }
      for (int round = 1; round <= 30; round++) {
        JsonObject manifest = Manifests.workload("ryw", 0, "sleep", "300");
        manifest.getJsonObject("metadata").getJsonObject("labels").put("round", Integer.toString(round));
        HttpResponse<String> written = send(clients.get(round % CLIENTS), HttpRequest.newBuilder(
            URI.create(node.url("/api/v1/workloads/ryw"))).header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(manifest.encode())));
        assertThat(written.statusCode()).as(written.body()).isIn(200, 201);
        String version = new JsonObject(written.body()).getJsonObject("metadata").getString("resourceVersion");
        for (HttpClient reader : clients) {
          for (String query : List.of("", "?resourceVersion=" + version)) {
            HttpResponse<String> read = send(reader, HttpRequest.newBuilder(URI.create(node.url("/api/v1/workloads/ryw"
                + query))).GET());
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            JsonObject metadata = new JsonObject(read.body()).getJsonObject("metadata");
            assertThat(metadata.getJsonObject("labels").getString("round")).as("round %d read%s", round, query)
                .isEqualTo(Integer.toString(round));
            assertThat(metadata.getString("resourceVersion")).isEqualTo(version);
          }
        }
      }

      HttpResponse<String> deleted = send(clients.get(0), HttpRequest.newBuilder(
          URI.create(node.url("/api/v1/workloads/ryw"))).DELETE());
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(202);
      for (HttpClient reader : clients) {
        HttpResponse<String> read = send(reader, HttpRequest.newBuilder(URI.create(node.url("/api/v1/workloads/ryw")))
            .GET());
        assertThat(read.statusCode() == 404
            || new JsonObject(read.body()).getJsonObject("status").getString("phase").equals("Stopping"))
            .as("read after the delete's answer: %s %s", read.statusCode(), read.body()).isTrue();
      }
    }
  }

  private static HttpResponse<String> send(HttpClient client, HttpRequest.Builder request) throws Exception {
    return client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }
}

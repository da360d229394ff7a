package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.testing.Manifests;
import io.cairn.testing.SmallDisk;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node whose data disk fills up: writes get a specific error (S3 507, REST DISK_FULL or the
 * admission refusal), readiness says the node is degraded, a delete frees its space at once, and
 * writes work again once space is back. Nothing stored before is lost.
 */
@Timeout(120)
class DiskFullTest {
  static HttpResponse<String> s3(TestNode node, String method, String path, byte[] body) throws Exception {
    return SignedRequests.send(node.agent().s3Port(), method, path, body, HttpResponse.BodyHandlers.ofString());
  }

  static double metric(TestNode node, String name) {
    return node.get("/metrics").body().lines().filter(l -> l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void aFullDiskGivesClearErrorsFreesDeletedObjectsAtOnceAndRecovers() throws Exception {
    assumeTrue(SmallDisk.available(), "needs root to mount a small tmpfs");
    try (SmallDisk disk = SmallDisk.mount(96)) {
      Path data = disk.path().resolve("data");
      // the usual 1h grace would keep deleted chunks; space pressure must override it
      try (TestNode node = TestNode.start(data, Map.of("storage.gcGrace", "1h", "admission.diskThreshold", "90"))) {
        assertThat(s3(node, "PUT", "/full", null).statusCode()).isEqualTo(200);
        byte[] kept = random(2 << 20, 1);
        byte[] doomed = random(8 << 20, 2);
        assertThat(s3(node, "PUT", "/full/kept", kept).statusCode()).isEqualTo(200);
        assertThat(s3(node, "PUT", "/full/doomed", doomed).statusCode()).isEqualTo(200);
        node.apply("chatty", Manifests.workload("chatty", 1, "sh", "-c",
            "i=0; while true; do echo chatter $i; i=$((i+1)); sleep 0.02; done"));
        await().atMost(Duration.ofSeconds(10)).until(() -> node.get("/api/v1/workloads/chatty/logs?tail=1").body()
            .contains("chatter"));

        disk.fill();
        HttpResponse<String> put = s3(node, "PUT", "/full/more", random(4 << 20, 3));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(507);
        assertThat(put.body()).contains("<Code>XMinioStorageFull</Code>");
        TestNode.Reply apply = node.apply("late", Manifests.workload("late", 1, "sleep", "60"));
        assertThat(apply.status()).as(apply.body()).isIn(422, 507);
        assertThat(apply.code()).isIn("INSUFFICIENT_RESOURCES", "DISK_FULL");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          JsonObject ready = node.get("/health/ready").json();
          assertThat(ready.getJsonArray("degraded")).contains("disk");
          assertThat(ready.getJsonObject("checks").getJsonObject("disk").getString("status")).isEqualTo("DOWN");
        });

        // the workload's lines that found no room are counted, not lost silently
        await().atMost(Duration.ofSeconds(10)).until(() -> metric(node, "cairn_logs_dropped_lines_total") > 0);

        long freeBefore = Files.getFileStore(disk.path()).getUsableSpace();
        assertThat(s3(node, "DELETE", "/full/doomed", null).statusCode()).isEqualTo(204);
        assertThat(Files.getFileStore(disk.path()).getUsableSpace() - freeBefore)
            .as("the deleted object's 8 MiB come back at once, not after storage.gcGrace").isGreaterThan(6L << 20);

        disk.free();
        await().atMost(Duration.ofSeconds(30)).until(() -> s3(node, "PUT", "/full/more", random(4 << 20, 3)).statusCode() == 200);
        String lastBefore = node.get("/api/v1/workloads/chatty/logs?tail=1").body().strip();
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.get("/api/v1/workloads/chatty/logs?tail=1").body()
            .strip().equals(lastBefore));
        node.delete("/api/v1/workloads/chatty");
        HttpResponse<String> back = s3(node, "GET", "/full/kept", null);
        assertThat(back.statusCode()).isEqualTo(200);
        assertThat(back.headers().firstValueAsLong("Content-Length")).hasValue(kept.length);
      }
    }
  }
}

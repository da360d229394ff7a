package io.cairn.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fifty hostile 1 MiB manifests at once against a real agent JVM with a small heap (256 MiB) that
 * exits on OutOfMemoryError: every one gets a small 4xx, the live probe keeps answering quickly,
 * and the process is still there afterwards.
 */
@Timeout(180)
class HostileLoadTest {
  @TempDir
  Path dir;

  @Test
  void fiftyConcurrentHostileBodiesGetSmallErrorsAndTheNodeStaysLive() throws Exception {
    Path data = dir.resolve("data");
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), "io.cairn.Main", "agent", "--data-dir", data.toString(),
        "--http-port", "0", "--s3-port", "0"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout.log").toFile())
        .redirectError(dir.resolve("stderr.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
    pb.environment().put("CAIRN_ADMISSION_CPU_THRESHOLD", "100");
    Process agent = pb.start();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(data.resolve("http.port")));
      String base = "http://127.0.0.1:" + Files.readString(data.resolve("http.port")).trim();
      await().atMost(Duration.ofSeconds(30)).until(() -> get(http, base + "/health/ready") == 200);

      String json = hostileJson();
      String yaml = hostileYaml();
      AtomicBoolean storm = new AtomicBoolean(true);
      AtomicLong slowestLiveMillis = new AtomicLong();
      AtomicLong liveFailures = new AtomicLong();
      Thread prober = new Thread(() -> {
        while (storm.get()) {
          long started = System.nanoTime();
          try {
            if (get(http, base + "/health/live") != 200) {
              liveFailures.incrementAndGet();
            }
          } catch (Exception e) {
            liveFailures.incrementAndGet();
          }
          slowestLiveMillis.accumulateAndGet((System.nanoTime() - started) / 1_000_000, Math::max);
          sleep(100);
        }
      });
      prober.start();
      List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        boolean asYaml = i % 2 == 1;
        replies.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/v1/workloads/hostile-" + i))
            .timeout(Duration.ofSeconds(90))
            .header("Content-Type", asYaml ? "application/yaml" : "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(asYaml ? yaml : json)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      storm.set(false);
      prober.join();

      for (CompletableFuture<HttpResponse<String>> r : replies) {
        HttpResponse<String> reply = r.get();
        assertThat(reply.statusCode()).isEqualTo(400);
        assertThat(reply.body()).hasSizeLessThan(4096).contains("\"code\":\"INVALID_ARGUMENT\"");
      }
      System.out.println("hostile storm: slowest live probe " + slowestLiveMillis.get() + " ms");
      assertThat(liveFailures.get()).as("live probe failures during the storm").isZero();
      assertThat(slowestLiveMillis.get()).as("slowest live probe during the storm, ms").isLessThan(1000);
      assertThat(agent.isAlive()).as("the agent survived").isTrue();
      assertThat(get(http, base + "/health/live")).isEqualTo(200);
    } finally {
      agent.destroy();
      if (!agent.waitFor(20, TimeUnit.SECONDS)) {
        agent.destroyForcibly();
      }
    }
  }

  /** A manifest whose args hold ~500,000 numbers where strings belong: 1 MB of text. */
  static String hostileJson() {
    StringBuilder b = new StringBuilder("{\"spec\":{\"command\":[\"sleep\"],\"args\":[1");
    while (b.length() < 1_000_000 - 8) {
      b.append(",1");
    }
    return b.append("]}}").toString();
  }

  static String hostileYaml() {
    StringBuilder b = new StringBuilder("spec:\n  command: [sleep]\n  args:\n");
    while (b.length() < 1_000_000 - 8) {
      b.append("  - {}\n");
    }
    return b.toString();
  }

  static int get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

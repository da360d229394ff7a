package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.TestNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of an upload that replaces an object, and right after a delete: after a
 * restart each object is wholly the old or wholly the new version, and GC reclaims orphaned chunks.
 */
@Timeout(180)
class CrashSafetyTest {
  @TempDir
  Path dir;

  Path data() {
    return dir.resolve("data");
  }

  Process agent() throws IOException {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.cairn.Main", "agent",
        "--data-dir", data().toString(), "--http-port", "0", "--s3-port", "0"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.log").toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
    pb.environment().put("CAIRN_S3_ACCESS_KEY_ID", TestNode.ACCESS_KEY_ID);
    pb.environment().put("CAIRN_S3_SECRET_ACCESS_KEY", TestNode.SECRET_ACCESS_KEY);
    pb.environment().put("CAIRN_STORAGE_GC_GRACE", "1s");
    pb.environment().put("CAIRN_GC_INTERVAL", "1s");
    pb.environment().put("CAIRN_ADMISSION_CPU_THRESHOLD", "100");
    Files.deleteIfExists(data().resolve("s3.port"));
    Process p = pb.start();
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(data().resolve("s3.port"))
        && Files.exists(data().resolve("http.port")));
    await().atMost(Duration.ofSeconds(30)).until(() -> http("/health/ready").statusCode() == 200);
    return p;
  }

  HttpResponse<String> http(String path) throws Exception {
    String port = Files.readString(data().resolve("http.port")).trim();
    return TestNode.http().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  String endpoint() throws IOException {
    return "http://127.0.0.1:" + Files.readString(data().resolve("s3.port")).trim();
  }

  int tool(String... args) throws Exception {
    Path script = dir.resolve("s3_tool.py");
    if (!Files.exists(script)) {
      try (var in = getClass().getResourceAsStream("/s3_tool.py")) {
        Files.copy(in, script);
      }
    }
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script.toString(), endpoint(), TestNode.ACCESS_KEY_ID,
        TestNode.SECRET_ACCESS_KEY));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("tool.log").toFile())).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  String toolOutput(String... args) throws Exception {
    Files.deleteIfExists(dir.resolve("tool.log"));
    assertThat(tool(args)).isZero();
    return Files.readString(dir.resolve("tool.log")).strip();
  }

  long chunkBytes() throws IOException {
    Path chunks = data().resolve("chunks");
    try (Stream<Path> walk = Files.walk(chunks)) {
      return walk.filter(Files::isRegularFile).filter(p -> !p.getParent().endsWith("tmp")).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  static Path random(Path file, int size, long seed) throws IOException {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return Files.write(file, bytes);
  }

  @Test
  void killedMidUploadKeepsTheOldObjectAndGcReclaimsTheOrphans() throws Exception {
    Process node = agent();
    Path old = random(dir.resolve("old.bin"), 2 << 20, 1);
    Path replacement = random(dir.resolve("new.bin"), 24 << 20, 2);
    assertThat(tool("mb", "crash")).isZero();
    assertThat(tool("put", "crash", "obj", old.toString())).isZero();
    long storedBefore = chunkBytes();

    // a slow upload of the replacement, through a presigned URL, killed once some chunks are written
    String url = toolOutput("presign-put", "crash", "obj");
    Process upload = new ProcessBuilder("curl", "-s", "-T", replacement.toString(), "--limit-rate", "4M", url)
        .redirectErrorStream(true).start();
    // Kill as soon as a chunk of it has landed: with a 1 s GC grace the collector also takes chunks of
    // this (uncommitted) upload once they are a second old, so waiting for several at once races it.
    await().atMost(Duration.ofSeconds(30)).until(() -> chunkBytes() > storedBefore);
    node.destroyForcibly();
    node.waitFor(20, TimeUnit.SECONDS);
    upload.destroyForcibly();
    assertThat(chunkBytes()).as("the torn upload left chunks behind").isGreaterThan(storedBefore);

    node = agent();
    try {
      Path back = dir.resolve("back.bin");
      assertThat(tool("get", "crash", "obj", back.toString())).isZero();
      assertThat(Files.mismatch(back, old)).as("the object is wholly the old version").isEqualTo(-1L);
      await().atMost(Duration.ofSeconds(30)).until(() -> chunkBytes() == storedBefore);
      assertThat(http("/metrics").body()).containsPattern("cairn_storage_gc_reclaimed_bytes_total [1-9]");

      // delete, then kill at once: afterwards the object is either all there or gone, never torn
      assertThat(tool("delete", "crash", "obj")).isZero();
      node.destroyForcibly();
      node.waitFor(20, TimeUnit.SECONDS);
      node = agent();
      Path after = dir.resolve("after.bin");
      int got = tool("get", "crash", "obj", after.toString());
      assertThat(got).as("a committed delete survives the crash").isEqualTo(3);
      await().atMost(Duration.ofSeconds(30)).until(() -> chunkBytes() == 0);
    } finally {
      node.destroyForcibly();
      node.waitFor(20, TimeUnit.SECONDS);
      String log = Files.exists(dir.resolve("agent.log")) ? Files.readString(dir.resolve("agent.log"), StandardCharsets.UTF_8) : "";
      assertThat(log).doesNotContain("Exception in thread");
    }
  }
}

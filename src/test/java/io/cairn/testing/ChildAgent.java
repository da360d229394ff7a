package io.cairn.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node in a JVM of its own (for what must not share the test's JVM: a small heap, a kill), on
 * {@code dir/data} with random ports, the test S3 keys and no CAIRN_* setting from outside.
 */
public final class ChildAgent implements AutoCloseable {
  private final Process process;
  private final Path data;

  private ChildAgent(Process process, Path data) {
    this.process = process;
    this.data = data;
  }

  /** Starts it and waits until its S3 port is written; {@code jvmOptions} go before the class path. */
  public static ChildAgent start(Path dir, List<String> jvmOptions, Map<String, String> env) throws IOException {
    Path data = dir.resolve("data");
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        "io.cairn.Main", "agent", "--data-dir", data.toString(), "--http-port", "0", "--s3-port", "0"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.log").toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
    pb.environment().put("CAIRN_S3_ACCESS_KEY_ID", TestNode.ACCESS_KEY_ID);
    pb.environment().put("CAIRN_S3_SECRET_ACCESS_KEY", TestNode.SECRET_ACCESS_KEY);
    pb.environment().put("CAIRN_ADMISSION_CPU_THRESHOLD", "100");
    pb.environment().putAll(env);
    ChildAgent agent = new ChildAgent(pb.start(), data);
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(data.resolve("s3.port")) || !agent.process.isAlive());
    return agent;
  }

  public boolean alive() {
    return process.isAlive();
  }

  public int s3Port() throws IOException {
    return Integer.parseInt(Files.readString(data.resolve("s3.port")).trim());
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}

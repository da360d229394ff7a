package io.cairn.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a client script bundled with the tests (Python, bash) as its own process and collects what it printed. */
public final class ExternalClient {
  private ExternalClient() {}

  public record Result(int exit, String output) {}

  /** {@code interpreter} runs the resource, copied into {@code dir}, with {@code args}. */
  public static Result run(String interpreter, String resource, Path dir, Duration timeout, String... args)
      throws IOException, InterruptedException {
    Path script = dir.resolve(resource);
    try (InputStream in = ExternalClient.class.getResourceAsStream("/" + resource)) {
      Files.copy(in, script);
    }
    List<String> cmd = new ArrayList<>(List.of(interpreter, script.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      return new Result(-1, out + "\n(timed out)");
    }
    return new Result(p.exitValue(), out);
  }
}

package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Secure cluster" commands, run as written by bash in an empty directory: three TLS
 * nodes with tokens form a cluster and the CLI lists workloads over https with the token. Only two
 * things are swapped: {@code bin/cairn} for this build's classes, and the 77xx ports for a free range.
 */
@Timeout(240)
class SecureClusterReadmeTest {
  @TempDir
  Path dir;

  @Test
  void theReadmesSecureClusterCommandsWorkAsWritten() throws Exception {
    String readme = Files.readString(Path.of(System.getProperty("cairn.project.dir", "."), "README.md"));
    int section = readme.indexOf("## Secure cluster");
    assertThat(section).as("README has a Secure cluster section").isPositive();
    int start = readme.indexOf("```sh\n", section) + "```sh\n".length();
    String commands = readme.substring(start, readme.indexOf("```", start));
    assertThat(commands).contains("bin/cairn tls ca create", "CAIRN_TLS_CA_FILE", "acl bootstrap");

    Path cairn = dir.resolve("cairn");
    Files.writeString(cairn, "#!/bin/sh\nexec '" + ProcessHandle.current().info().command().orElse("java")
        + "' --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xmx256m -cp '"
        + System.getProperty("java.class.path") + "' io.cairn.Main \"$@\"\n");
    cairn.toFile().setExecutable(true);
    String base = freeRange();
    String script = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n"
        + commands.replace("bin/cairn", "'" + cairn + "'").replace("77", base);
    Files.writeString(dir.resolve("secure-cluster.sh"), script);

    ProcessBuilder pb = new ProcessBuilder("timeout", "180", "bash", "secure-cluster.sh").directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
    pb.environment().put("HOME", dir.toString());
    Process p = pb.start();
    assertThat(p.waitFor(200, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(dir.resolve("out.txt"));
    String logs = String.join("\n", List.of(0, 1, 2).stream().map(n -> {
      try {
        return Files.exists(dir.resolve("node-" + n + ".log")) ? Files.readString(dir.resolve("node-" + n + ".log")) : "";
      } catch (IOException e) {
        return "";
      }
    }).toList());
    assertThat(p.exitValue()).as("script output:%n%s%nnode logs:%n%s", out, logs).isZero();
    assertThat(out).as("the CLI's table of (no) workloads").contains("NAME");
    assertThat(logs).contains("TLS identity loaded");
  }

  /** Two digits B such that ports B00-B03, B10-B13 and B20-B23 are free now. */
  private static String freeRange() throws IOException {
    for (int b = 41; b < 64; b++) {
      boolean free = true;
      for (int n = 0; n < 3 && free; n++) {
        for (int k = 0; k < 4 && free; k++) {
          try (ServerSocket s = new ServerSocket(b * 100 + n * 10 + k, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
          } catch (IOException e) {
            free = false;
          }
        }
      }
      if (free) {
        return Integer.toString(b);
      }
    }
    throw new IOException("no free port range 4100..6323");
  }
}

package io.cairn.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copy-then-truncate rotation keeps an append-mode writer working; tails reach into rotated files. */
class LogFilesTest {
  @TempDir
  Path root;

  @Test
  void rotationKeepsAtMostMaxFilesAndTheWriterKeepsAppending() throws Exception {
    LogFiles logs = new LogFiles(root, 50, 2);
    Path file = logs.prepare("w", "w-0-x").stdout();
    // the same kind of append-mode stream a child process gets
    try (FileOutputStream out = new FileOutputStream(file.toFile(), true)) {
      for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 10; i++) {
          out.write(("r" + round + " line " + i + "\n").getBytes(StandardCharsets.UTF_8));
        }
        out.flush();
        logs.rotateIfNeeded(file);
        assertThat(Files.size(file)).as("truncated after rotation").isZero();
      }
      out.write("after\n".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(Files.readString(file)).as("writes land at the start of the truncated file").isEqualTo("after\n");
    assertThat(Files.readString(LogFiles.rotated(file, 1))).startsWith("r3 line 0");
    assertThat(Files.readString(LogFiles.rotated(file, 2))).startsWith("r2 line 0");
    assertThat(LogFiles.rotated(file, 3)).doesNotExist();

    assertThat(logs.tail(file, 3)).containsExactly("r3 line 8", "r3 line 9", "after");
    assertThat(logs.tail(file, 1000)).hasSize(21).startsWith("r2 line 0");
  }

  @Test
  void readFromRestartsAfterATruncation() throws Exception {
    LogFiles logs = new LogFiles(root, 10, 1);
    Path file = logs.prepare("w", "w-0-y").stderr();
    Files.writeString(file, "0123456789abcdef\n");
    LogFiles.Read first = logs.readFrom(file, 0, 1024);
    assertThat(new String(first.bytes(), StandardCharsets.UTF_8)).isEqualTo("0123456789abcdef\n");
    logs.rotateIfNeeded(file);
    Files.writeString(file, "new\n");
    LogFiles.Read second = logs.readFrom(file, first.nextPosition(), 1024);
    assertThat(new String(second.bytes(), StandardCharsets.UTF_8)).isEqualTo("new\n");
  }
}

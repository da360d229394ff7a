package io.cairn.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves an instance's output from its pipes into its log files, so the node sees every byte and
 * can count what a full disk drops ({@code cairn_logs_dropped_lines_total}) instead of losing it
 * silently. Each stream is a named pipe (FIFO) next to its log file; the instance itself holds its
 * pipes open for reading too (see {@link Isolation}), so a pipe never loses its last reader while
 * the agent restarts: the instance's writes wait in the pipe (then block) until a new agent pumps
 * again, and nothing is lost or killed by SIGPIPE. One reader thread per stream.
 */
public final class LogPumps {
  private static final Logger LOG = LoggerFactory.getLogger(LogPumps.class);
  private static final int BUFFER = 64 * 1024;

  private final Counter dropped;
  private final Map<Path, Thread> running = new ConcurrentHashMap<>();
  private final Map<Path, java.nio.channels.FileChannel> open = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public LogPumps(MeterRegistry meters) {
    this.dropped = Counter.builder("cairn_logs_dropped_lines_total")
        .description("Lines of workload output that could not be written to their log file (disk full)")
        .register(meters);
  }

  /** The named pipe that feeds {@code logFile}. */
  public static Path pipeFor(Path logFile) {
    String name = logFile.getFileName().toString();
    return logFile.resolveSibling(name.substring(0, name.length() - ".log".length()) + ".pipe");
  }

  /** Blocking: creates the pipe for {@code logFile} unless it exists (kept across restarts of the instance). */
  public static Path ensurePipe(Path logFile) throws IOException {
    Path pipe = pipeFor(logFile);
    if (Files.exists(pipe)) {
      return pipe;
    }
    try {
      Process p = new ProcessBuilder("mkfifo", "-m", "600", pipe.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0 && !Files.exists(pipe)) {
        throw new IOException("mkfifo " + pipe + ": " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted creating " + pipe);
    }
    return pipe;
  }

  /** Starts pumping {@code logFile}'s pipe into it, unless a pump for it runs already. */
  public void pump(Path logFile) {
    Path pipe = pipeFor(logFile);
    if (closed || !Files.exists(pipe)) {
      return;
    }
    running.computeIfAbsent(pipe, p -> {
      Thread t = new Thread(() -> run(p, logFile), "cairn-log-" + logFile.getFileName());
      t.setDaemon(true);
      t.start();
      return t;
    });
  }

  private void run(Path pipe, Path logFile) {
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(BUFFER);
    // opening a pipe for reading waits for a writer: the instance opens its end as it starts
    try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(pipe,
        java.nio.file.StandardOpenOption.READ)) {
      open.put(pipe, in);
      FileOutputStream out = null;
      while (!closed) {
        buffer.clear();
        int n = in.read(buffer);
        if (n < 0) {
          break; // every writer is gone: the instance and its children ended
        }
        try {
          if (out == null) {
            out = new FileOutputStream(logFile.toFile(), true);
          }
          out.write(buffer.array(), 0, n);
        } catch (IOException full) {
          dropped.increment(Math.max(1, newlines(buffer.array(), n)));
          closeQuietly(out);
          out = null;
        }
      }
      closeQuietly(out);
    } catch (java.nio.channels.ClosedChannelException stopped) {
      // close(): the agent is stopping; the instance keeps its own end open, nothing is lost
    } catch (IOException e) {
      LOG.warn("log pump for {} stopped: {}", logFile, e.getMessage());
    } finally {
      open.remove(pipe);
      running.remove(pipe);
    }
  }

  private static long newlines(byte[] b, int n) {
    long count = 0;
    for (int i = 0; i < n; i++) {
      if (b[i] == '\n') {
        count++;
      }
    }
    return count;
  }

  private static void closeQuietly(FileOutputStream out) {
    if (out != null) {
      try {
        out.close();
      } catch (IOException ignored) {
        // the file was not writable anyway
      }
    }
  }

  /**
   * Stops every pump. A pump reading gets its channel closed; one still waiting for its pipe to be
   * opened by the instance is woken by opening the pipe for writing once (then it reads the end).
   */
  public void close() {
    closed = true;
    for (Path pipe : running.keySet()) {
      java.nio.channels.FileChannel ch = open.get(pipe);
      try {
        if (ch != null) {
          ch.close();
        } else {
          new FileOutputStream(pipe.toFile()).close();
        }
      } catch (IOException e) {
        LOG.debug("closing log pump {}: {}", pipe, e.getMessage());
      }
    }
  }
}

package io.cairn.runtime;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a set of log files and pushes complete new lines to a sink address, one chunk in flight
 * at a time: the next poll waits for the sink's reply, so a slow client slows the reads instead of
 * filling memory. Ends when the sink is gone, times out, or replies {@code false}.
 */
final class LogFollower {
  private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);
  private static final int MAX_CHUNK_BYTES = 64 * 1024;
  private static final long POLL_MILLIS = 200;

  private final Vertx vertx;
  private final LogFiles logs;
  private final String sink;
  private final List<Source> sources;
  private long timerId;
  private boolean inFlight;

  /** One followed file: where reading stopped and the partial last line held back. */
  static final class Source {
    final Path file;
    final String prefix;
    long position;
    String partial = "";

    Source(Path file, String prefix, long position) {
      this.file = file;
      this.prefix = prefix;
      this.position = position;
    }
  }

  LogFollower(Vertx vertx, LogFiles logs, String sink, List<Source> sources) {
    this.vertx = vertx;
    this.logs = logs;
    this.sink = sink;
    this.sources = sources;
  }

  void start() {
    timerId = vertx.setPeriodic(POLL_MILLIS, id -> poll());
  }

  private void poll() {
    if (inFlight) {
      return;
    }
    List<String> lines = new ArrayList<>();
    try {
      for (Source s : sources) {
        LogFiles.Read read = logs.readFrom(s.file, s.position, MAX_CHUNK_BYTES);
        s.position = read.nextPosition();
        if (read.bytes().length == 0) {
          continue;
        }
        String text = s.partial + new String(read.bytes(), StandardCharsets.UTF_8);
        int lastNewline = text.lastIndexOf('\n');
        s.partial = text.substring(lastNewline + 1);
        if (lastNewline >= 0) {
          for (String line : text.substring(0, lastNewline).split("\n", -1)) {
            lines.add(s.prefix + line);
          }
        }
      }
    } catch (IOException e) {
      LOG.warn("log follow stopped: {}", e.getMessage());
      vertx.cancelTimer(timerId);
      return;
    }
    if (lines.isEmpty()) {
      return;
    }
    inFlight = true;
    vertx.eventBus().<Boolean>request(sink, new RuntimeBus.LogChunk(lines), new DeliveryOptions().setSendTimeout(60_000))
        .onComplete(ar -> {
          inFlight = false;
          if (ar.failed() || Boolean.FALSE.equals(ar.result().body())) {
            vertx.cancelTimer(timerId);
          }
        });
  }
}

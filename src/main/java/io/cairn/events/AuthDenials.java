package io.cairn.events;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.model.Durations;
import io.cairn.model.Event;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns refused requests (REST, gRPC, S3) into {@code AuthDenied} events without letting a flood grow
 * the event log or memory: per source address, the first denial in a window is an event, later ones
 * in that window are counted and one summary event is written when it closes. At most
 * {@code maxSources} sources are tracked; beyond that they share one overflow bucket. Shared by every
 * front-end instance, so state is per key under {@link ConcurrentHashMap#compute}.
 */
public final class AuthDenials {
  private static final Logger LOG = LoggerFactory.getLogger(AuthDenials.class);
  static final String OVERFLOW = "other sources";

  /**
   * One refused request. {@code who}: the token id, access key id, "no credentials" or "malformed"
   * (never a secret); {@code route}: method and path, or the gRPC method.
   */
  public record Denial(String source, String who, String route, String reason, String requestId) {
    String describe() {
      return "refused " + route + " from " + source + ", " + who + ": " + reason;
    }
  }

  /** A source's open window: when it opened, how many more denials came, and the last of them. */
  private record Window(long openedAt, int more, Denial last) {}

  private final Vertx vertx;
  private final Function<Event, Future<?>> sink;
  private final Duration window;
  private final int maxSources;
  private final Map<String, Window> sources = new ConcurrentHashMap<>();
  private long timer = -1;

  /** {@code sink} writes one event (the storage client in a node). */
  public AuthDenials(Vertx vertx, Function<Event, Future<?>> sink, Duration window, int maxSources) {
    this.vertx = vertx;
    this.sink = sink;
    this.window = window;
    this.maxSources = maxSources;
  }

  /** Starts the sweep that closes windows (a quarter of the window apart, so one closes at most 25% late). */
  public void start() {
    timer = vertx.setPeriodic(Math.max(50, window.toMillis() / 4), id -> sweep(false));
  }

  /** Stops the sweep and writes the summaries of the windows still open. */
  public Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return Future.join(sweep(true)).mapEmpty();
  }

  /**
   * Records one refused request: an event when it opens its source's window, else a count. Never
   * blocks. Returns whether it opened a window (callers log only those: one line per source per window).
   */
  public boolean record(Denial d) {
    String key = sources.containsKey(d.source()) || sources.size() < maxSources ? d.source() : OVERFLOW;
    boolean[] opened = {false};
    sources.compute(key, (k, w) -> {
      if (w == null) {
        opened[0] = true;
        return new Window(System.currentTimeMillis(), 0, d);
      }
      return new Window(w.openedAt(), w.more() + 1, d);
    });
    if (opened[0]) {
      write(Event.of(EventTypes.AUTH_DENIED, Event.Severity.Warning, null, null, d.describe(), d.requestId()));
    }
    return opened[0];
  }

  private List<Future<?>> sweep(boolean all) {
    long now = System.currentTimeMillis();
    List<Future<?>> written = new ArrayList<>();
    for (String key : List.copyOf(sources.keySet())) {
      Window[] closed = {null};
      sources.computeIfPresent(key, (k, w) -> {
        if (all || now - w.openedAt() >= window.toMillis()) {
          closed[0] = w;
          return null;
        }
        return w;
      });
      if (closed[0] != null && closed[0].more() > 0) {
        Denial last = closed[0].last();
        written.add(write(Event.of(EventTypes.AUTH_DENIED, Event.Severity.Warning, null, null,
            closed[0].more() + " more denials from " + key + " in the last " + Durations.format(window) + ": "
                + last.describe(), last.requestId())));
      }
    }
    return written;
  }

  private Future<?> write(Event e) {
    return sink.apply(e).onFailure(err -> LOG.warn("AuthDenied event not recorded {} {}",
        kv("requestId", e.requestId()), kv("error", err.getMessage())));
  }
}

package io.cairn.net;

import io.cairn.config.CairnConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one listening port allows its clients, so slow or numerous ones cannot exhaust the node:
 * at most {@code maxConnections} open at once (more are closed at accept); a new connection must
 * send a request's headers within {@code requestHeaderTimeout}; a connection with no request in
 * flight is closed after {@code idleTimeout} (as Go's IdleTimeout: a long-lived response such as a
 * log follow is not idle); a request whose body stops arriving for {@code idleTimeout} is closed;
 * and, where a body deadline is given, a request body must have arrived whole within it.
 *
 * <p>One guard per port, shared by the verticle instances serving it (the count is shared); each
 * instance calls {@link #attach} for its own server. Connection state lives on the server's event
 * loop, so it needs no locks.
 */
public final class ConnectionGuard {
  private static final long TICK_MILLIS = 250;
  private static final String READ_CLOCK = "cairn-read-clock";

  private final String port;
  private final CairnConfig.Listener limits;
  private final long bodyDeadlineMillis;
  private final AtomicInteger open = new AtomicInteger();
  private final Counter refused;
  private final Counter timedOut;
  private final ListenerTransport transport;

  /** {@code bodyDeadline} zero: bodies may take as long as they keep arriving (S3 uploads). */
  public ConnectionGuard(String port, CairnConfig.Listener limits, java.time.Duration bodyDeadline, MeterRegistry meters) {
    this(port, limits, bodyDeadline, meters, ListenerTransport.PLAIN);
  }

  /** {@code transport}: what the port speaks beyond plain HTTP (TLS), applied to every server of it. */
  public ConnectionGuard(String port, CairnConfig.Listener limits, java.time.Duration bodyDeadline, MeterRegistry meters,
      ListenerTransport transport) {
    this.transport = transport;
    this.port = port;
    this.limits = limits;
    this.bodyDeadlineMillis = bodyDeadline.toMillis();
    Gauge.builder("cairn_http_connections", open, AtomicInteger::get).tag("port", port)
        .description("Open client connections").register(meters);
    this.refused = Counter.builder("cairn_http_connections_refused_total").tag("port", port)
        .description("Connections closed at accept because the port had maxConnections open").register(meters);
    this.timedOut = Counter.builder("cairn_http_connections_timed_out_total").tag("port", port)
        .description("Connections closed for being slow (headers, body) or idle").register(meters);
  }

  /**
   * Options for the guarded server. A socket becomes a Vert.x connection only once its first bytes
   * show which protocol it speaks (HTTP/1 or h2c), so until then only Vert.x's own idle timeout can
   * see it: set to the header timeout, it closes sockets that connect and stay silent. Once the
   * connection exists the guard removes that timer and applies its own rules, under which a quiet
   * response in flight (a log follow) is not idle.
   */
  public HttpServerOptions options(HttpServerOptions options) {
    return transport.options(options).setIdleTimeout((int) limits.requestHeaderTimeout().toMillis())
        .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** The guard as wired into one server: install {@code handler}; {@code close} stops its timer. */
  public record Attached(Handler<HttpServerRequest> handler, Runnable close) {}

  /** Wires the guard into one server (call on the server's verticle context), wrapping {@code next}. */
  public Attached attach(Vertx vertx, HttpServer server, Handler<HttpServerRequest> next) {
    PerServer state = new PerServer();
    transport.attach(server);
    server.connectionHandler(state::connected);
    long timer = vertx.setPeriodic(TICK_MILLIS, id -> state.tick());
    return new Attached(req -> {
      Conn c = state.conns.get(key(req.connection()));
      if (c != null) {
        // drop the answered ones now, not at the next tick: a keep-alive connection under load
        // sends hundreds of requests per tick, and holding each (with its response and routing
        // context) for up to a tick made them outlive young collections and fill the old generation
        c.requests.removeIf(Req::answered);
        c.requests.add(new Req(req, System.currentTimeMillis()));
        c.seenRequest = true;
        c.idleSince = 0;
      }
      next.handle(req);
    }, () -> vertx.cancelTimer(timer));
  }

  private record Req(HttpServerRequest request, long startedAt) {
    boolean answered() {
      return request.response().ended() || request.response().closed();
    }
  }

  private static final class Conn {
    final Object connection;
    final long connectedAt = System.currentTimeMillis();
    final List<Req> requests = new ArrayList<>(1);
    boolean seenRequest;
    long idleSince;
    /** Last time bytes arrived from the client (set by a handler at the front of the socket's pipeline). */
    volatile long lastReadAt = connectedAt;

    Conn(Object connection) {
      this.connection = connection;
    }

    void close() {
      if (connection instanceof io.netty.channel.Channel channel) {
        closeSocket(channel);
      } else {
        ((HttpConnection) connection).close();
      }
    }
  }

  private final class PerServer {
    final Map<Object, Conn> conns = new IdentityHashMap<>();

    void connected(HttpConnection connection) {
      if (open.incrementAndGet() > limits.maxConnections()) {
        open.decrementAndGet();
        refused.increment();
        connection.close();
        return;
      }
      Object key = key(connection);
      if (conns.containsKey(key)) {
        open.decrementAndGet(); // the same socket again (an h2c upgrade): already counted
        return;
      }
      Conn conn = new Conn(key);
      conns.put(key, conn);
      if (key instanceof io.netty.channel.Channel channel) {
        if (channel.pipeline().get("idle") != null) {
          channel.pipeline().remove("idle");
        }
        channel.pipeline().addFirst(READ_CLOCK, new io.netty.channel.ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
            conn.lastReadAt = System.currentTimeMillis();
            ctx.fireChannelRead(msg);
          }
        });
      }
      onClose(connection, () -> {
        if (conns.remove(key) != null) {
          open.decrementAndGet();
        }
      });
    }

    void tick() {
      long now = System.currentTimeMillis();
      List<Conn> expired = new ArrayList<>();
      for (Conn c : conns.values()) {
        c.requests.removeIf(Req::answered);
        if (!c.seenRequest) {
          if (now - c.connectedAt > limits.requestHeaderTimeout().toMillis()) {
            expired.add(c);
          }
        } else if (c.requests.isEmpty()) {
          if (c.idleSince == 0) {
            c.idleSince = now;
          } else if (now - c.idleSince > limits.idleTimeout().toMillis()) {
            expired.add(c);
          }
        } else if (c.requests.stream().anyMatch(r -> !r.request().isEnded()
            && (bodyDeadlineMillis > 0 && now - r.startedAt() > bodyDeadlineMillis
                || now - c.lastReadAt > limits.idleTimeout().toMillis()))) {
          // a body still owed: too slow overall (API), or silent for the idle timeout (both ports)
          expired.add(c);
        }
      }
      for (Conn c : expired) {
        timedOut.increment();
        c.close();
      }
    }
  }

  /**
   * Closes the connection's socket at once. {@link HttpConnection#close()} is a graceful shutdown
   * that waits for responses in flight, which is useless against a client that stopped reading one.
   */
  public static void closeNow(HttpConnection connection) {
    if (connection instanceof io.vertx.core.net.impl.ConnectionBase base) {
      closeSocket(base.channel());
    } else {
      connection.close();
    }
  }

  /**
   * Closes from the front of the pipeline: a close issued on the channel itself passes through
   * Vert.x's handler, which turns it into the graceful shutdown again.
   */
  private static void closeSocket(io.netty.channel.Channel channel) {
    io.netty.channel.ChannelHandlerContext front = channel.pipeline().context(READ_CLOCK);
    if (front != null) {
      front.close();
    } else {
      channel.close();
    }
  }

  /**
   * A connection is tracked by its socket (Netty channel): an h2c upgrade turns one socket into a
   * second Vert.x connection object, and Vert.x connections offer only one replaceable close
   * handler, which request code may also set; the channel's close future is neither.
   */
  private static Object key(HttpConnection connection) {
    return connection instanceof io.vertx.core.net.impl.ConnectionBase base ? base.channel() : connection;
  }

  private static void onClose(HttpConnection connection, Runnable action) {
    if (connection instanceof io.vertx.core.net.impl.ConnectionBase base) {
      io.vertx.core.Context context = Vertx.currentContext();
      base.channel().closeFuture().addListener(f -> context.runOnContext(v -> action.run()));
    } else {
      connection.closeHandler(v -> action.run());
    }
  }

  @Override
  public String toString() {
    return "ConnectionGuard[" + port + "]";
  }
}

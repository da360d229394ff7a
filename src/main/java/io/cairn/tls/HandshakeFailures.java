package io.cairn.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;

/**
 * Refused TLS handshakes: counted per listener ({@code cairn_tls_handshake_failures_total}) and
 * passed on to a reporter (the audit log, which keeps one event per source per window). Called on
 * network threads of Vert.x and of Ratis: never blocks.
 */
public final class HandshakeFailures {
  /** Where a refusal goes besides the counter; {@code who} is the certificate subject, never a key. */
  @FunctionalInterface
  public interface Reporter {
    void refused(String listener, String source, String who, String reason);
  }

  private final MeterRegistry registry;
  private final Reporter reporter;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  public HandshakeFailures(MeterRegistry registry, Reporter reporter) {
    this.registry = registry;
    this.reporter = reporter;
  }

  public void refused(String listener, String source, String who, String reason) {
    counters.computeIfAbsent(listener, l -> Counter.builder("cairn_tls_handshake_failures")
        .description("TLS handshakes refused (no, expired or foreign certificate, wrong role)")
        .tag("listener", l).register(registry)).increment();
    reporter.refused(listener, source, who, reason);
  }

  static String source(SSLEngine engine) {
    return engine == null || engine.getPeerHost() == null ? "unknown" : engine.getPeerHost();
  }

  static String source(Socket socket) {
    return socket != null && socket.getRemoteSocketAddress() instanceof InetSocketAddress a
        ? a.getAddress().getHostAddress() : "unknown";
  }
}

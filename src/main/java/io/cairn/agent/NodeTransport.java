package io.cairn.agent;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.config.CairnConfig;
import io.cairn.events.AuthDenials;
import io.cairn.net.ListenerTransport;
import io.cairn.tls.HandshakeFailures;
import io.cairn.tls.NodeTls;
import io.cairn.tls.Role;
import io.cairn.tls.VertxTls;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this node's ports are secured: its TLS identity (or none), re-read when the files change,
 * warned about before it expires, and refused handshakes reported as AuthDenied events.
 */
final class NodeTransport {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTransport.class);
  /** How often the PEM files are checked for a rotation. */
  static final Duration RELOAD_CHECK = Duration.ofSeconds(2);
  private static final Duration EXPIRY_LOG_EVERY = Duration.ofHours(24);

  private final CairnConfig.Tls settings;
  private final NodeTls tls;
  private long lastExpiryLog;

  private NodeTransport(CairnConfig.Tls settings, NodeTls tls) {
    this.settings = settings;
    this.tls = tls;
  }

  /** Reads the TLS files when configured (on the calling thread: at start, before any event loop runs). */
  static NodeTransport open(CairnConfig.Tls settings, MeterRegistry registry, AuthDenials denials) throws Exception {
    if (!settings.enabled()) {
      return new NodeTransport(settings, null);
    }
    HandshakeFailures failures = new HandshakeFailures(registry, (listener, source, who, reason) -> {
      if (denials.record(new AuthDenials.Denial(source, who, "TLS handshake on the " + listener + " port", reason, null))) {
        LOG.warn("refused a TLS peer {} {} {} {}", kv("listener", listener), kv("source", source), kv("who", who),
            kv("reason", reason));
      }
    });
    NodeTls tls = NodeTls.load(new NodeTls.PemFiles(settings.caFile(), settings.certFile(), settings.keyFile()), failures);
    LOG.info("TLS identity loaded {} {} {}", kv("certificate", tls.certificate().getSubjectX500Principal().getName()),
        kv("role", tls.role().cliName()), kv("notAfter", tls.certificate().getNotAfter().toInstant().toString()));
    return new NodeTransport(settings, tls);
  }

  /** The node's TLS identity, or null on plaintext. */
  NodeTls tls() {
    return tls;
  }

  /** What the API and S3 ports speak: TLS with this node's certificate under tls.http, else plain HTTP. */
  ListenerTransport httpTransport(String listener) {
    if (tls == null || !settings.http()) {
      return ListenerTransport.PLAIN;
    }
    ClientAuth auth = settings.verifyClients() ? ClientAuth.REQUIRED : ClientAuth.NONE;
    return new ListenerTransport() {
      @Override
      public HttpServerOptions options(HttpServerOptions options) {
        // S3 is HTTP/1.1 (as AWS's own endpoints; its uploads are not written for HTTP/2); the API
        // needs HTTP/2 for gRPC
        return VertxTls.serve(options, tls, listener, Set.of(Role.values()), auth, listener.equals("s3")
            ? List.of(HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
      }

      @Override
      public void attach(io.vertx.core.http.HttpServer server) {
        VertxTls.reportMissingCertificates(server, tls, listener);
      }
    };
  }

  /** Checks the files for a rotation every {@link #RELOAD_CHECK}, off the event loop. */
  void watch(Vertx vertx) {
    if (tls == null) {
      return;
    }
    warnIfExpiring();
    vertx.setPeriodic(RELOAD_CHECK.toMillis(), id -> vertx.executeBlocking(tls::reloadIfChanged)
        .onSuccess(changed -> {
          if (changed) {
            LOG.info("TLS files changed: new connections use them {} {}",
                kv("certificate", tls.certificate().getSubjectX500Principal().getName()),
                kv("notAfter", tls.certificate().getNotAfter().toInstant().toString()));
            lastExpiryLog = 0;
          }
          warnIfExpiring();
        })
        .onFailure(e -> LOG.error("TLS files changed but cannot be used; keeping the previous ones {}",
            kv("error", e.getMessage()))));
  }

  private void warnIfExpiring() {
    String warning = tls.expiryWarning(Instant.now());
    long now = System.currentTimeMillis();
    if (warning != null && now - lastExpiryLog >= EXPIRY_LOG_EVERY.toMillis()) {
      lastExpiryLog = now;
      LOG.warn("{}: make a new one with cairn tls cert create and replace the files (no restart needed)", warning);
    }
  }

  /** Readiness details: what secures the node, and what an operator should fix. Up unless a warning stands. */
  JsonObject status() {
    JsonObject data = new JsonObject().put("peers", tls != null ? "mutual TLS" : "plaintext")
        .put("http", tls != null && settings.http() ? "TLS" : "plaintext");
    if (tls != null) {
      data.put("certificateExpires", tls.certificate().getNotAfter().toInstant().toString());
      String warning = tls.expiryWarning(Instant.now());
      if (warning != null) {
        data.put("warning", warning);
      }
    } else if (settings.insecureNoTls()) {
      data.put("warning", "cluster traffic is not encrypted (--insecure-no-tls)");
    }
    return data;
  }
}

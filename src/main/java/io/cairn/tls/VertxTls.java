package io.cairn.tls;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.util.List;
import java.util.Set;

/** Vert.x listener and client options over {@link NodeTls}: TLS 1.2 and 1.3 only, HTTP/2 by ALPN. */
public final class VertxTls {
  public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  private VertxTls() {}

  /**
   * Serves TLS with this node's certificate; client certificates from the CA with one of
   * {@code roles} are required ({@link ClientAuth#REQUIRED}) or checked when sent ({@link ClientAuth#REQUEST}).
   */
  public static HttpServerOptions serve(HttpServerOptions options, NodeTls tls, String listener, Set<Role> roles,
      ClientAuth clientAuth) {
    return serve(options, tls, listener, roles, clientAuth, List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
  }

  /** The same, offering {@code alpn} (in order of preference) to clients that negotiate a protocol. */
  public static HttpServerOptions serve(HttpServerOptions options, NodeTls tls, String listener, Set<Role> roles,
      ClientAuth clientAuth, List<HttpVersion> alpn) {
    return options.setSsl(true).setUseAlpn(true).setAlpnVersions(alpn)
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setKeyCertOptions(KeyCertOptions.wrap(tls.keyManager()))
        .setTrustOptions(TrustOptions.wrap(tls.trustManager(listener, roles)))
        .setClientAuth(clientAuth);
  }

  /**
   * Reports handshakes that failed for want of a client certificate: the trust manager never sees
   * those (nothing to check), and Vert.x hands them to the server's exception handler only.
   */
  public static void reportMissingCertificates(io.vertx.core.http.HttpServer server, NodeTls tls, String listener) {
    server.exceptionHandler(e -> {
      String message = String.valueOf(e.getMessage()) + (e.getCause() == null ? "" : " " + e.getCause().getMessage());
      if (e instanceof javax.net.ssl.SSLHandshakeException
          && (message.contains("Empty client certificate chain") || message.contains("null cert chain"))) {
        tls.failures().refused(listener, "unknown", "no certificate", "no client certificate presented");
      }
    });
  }

  /** Dials with this node's certificate, trusting only servers the CA signed for the address dialled. */
  public static HttpClientOptions dial(HttpClientOptions options, NodeTls tls, String listener) {
    return options.setSsl(true).setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2)
        .setAlpnVersions(List.of(HttpVersion.HTTP_2))
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setVerifyHost(true)
        .setKeyCertOptions(KeyCertOptions.wrap(tls.keyManager()))
        .setTrustOptions(TrustOptions.wrap(tls.trustManager(listener, Role.NODES)));
  }
}

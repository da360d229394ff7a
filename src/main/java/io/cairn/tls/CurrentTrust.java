package io.cairn.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts what the current CA signed (PKIX: chain, validity, key usage, and the host name when the
 * caller asks for it), then checks the Cairn role in the certificate. A refusal is reported to
 * {@link HandshakeFailures} before the handshake fails with it.
 */
final class CurrentTrust extends X509ExtendedTrustManager {
  private final Supplier<X509ExtendedTrustManager> current;
  private final Set<Role> roles;
  private final String listener;
  private final HandshakeFailures failures;

  CurrentTrust(Supplier<X509ExtendedTrustManager> current, Set<Role> roles, String listener, HandshakeFailures failures) {
    this.current = current;
    this.roles = Set.copyOf(roles);
    this.listener = listener;
    this.failures = failures;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    check(chain, HandshakeFailures.source(engine), () -> current.get().checkClientTrusted(chain, authType, engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    check(chain, HandshakeFailures.source(engine), () -> current.get().checkServerTrusted(chain, authType, engine));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    check(chain, HandshakeFailures.source(socket), () -> current.get().checkClientTrusted(chain, authType, socket));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    check(chain, HandshakeFailures.source(socket), () -> current.get().checkServerTrusted(chain, authType, socket));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain, "unknown", () -> current.get().checkClientTrusted(chain, authType));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain, "unknown", () -> current.get().checkServerTrusted(chain, authType));
  }

  /**
   * None named: a client then sends whatever certificate it has, so one from another CA is refused
   * here, counted and audited with its subject, instead of silently not being sent at all.
   */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }

  private interface Check {
    void run() throws CertificateException;
  }

  private void check(X509Certificate[] chain, String source, Check pkix) throws CertificateException {
    String subject = chain == null || chain.length == 0 ? "no certificate"
        : chain[0].getSubjectX500Principal().getName();
    try {
      pkix.run();
      Role role = Certificates.role(chain[0]).orElseThrow(() -> new CertificateException("certificate carries no Cairn role"));
      if (!roles.contains(role)) {
        throw new CertificateException("role " + role.cliName() + " may not use the " + listener + " port");
      }
    } catch (CertificateException e) {
      failures.refused(listener, source, subject, e.getMessage());
      throw e;
    }
  }
}

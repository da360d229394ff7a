package io.cairn.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** What a receiving side reads from a peer's certificate: its role and its addresses. */
public final class Certificates {
  /** GeneralName tags (RFC 5280 4.2.1.6) as the JDK reports them. */
  private static final int DNS = 2;
  private static final int URI = 6;
  private static final int IP = 7;

  private Certificates() {}

  /**
   * The Cairn role in the certificate, empty when it has none (not issued by {@code cairn tls}).
   * Two roles, or one this version does not know, are refused rather than guessed at.
   */
  public static Optional<Role> role(X509Certificate cert) throws CertificateException {
    List<String> roles = sans(cert, URI).stream().filter(u -> u.startsWith(Role.URN_PREFIX)).toList();
    if (roles.size() > 1) {
      throw new CertificateException("certificate " + cert.getSubjectX500Principal() + " names several roles: " + roles);
    }
    if (roles.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Role.parse(roles.get(0).substring(Role.URN_PREFIX.length())));
    } catch (IllegalArgumentException e) {
      throw new CertificateException("certificate " + cert.getSubjectX500Principal() + ": " + e.getMessage());
    }
  }

  /** The role in the certificate the other end of {@code session} presented; null when none or unreadable. */
  public static Role peerRole(javax.net.ssl.SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      var chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? role(x).orElse(null) : null;
    } catch (javax.net.ssl.SSLPeerUnverifiedException | CertificateException e) {
      return null;
    }
  }

  public static List<String> dnsNames(X509Certificate cert) throws CertificateParsingException {
    return sans(cert, DNS);
  }

  public static List<InetAddress> ipAddresses(X509Certificate cert) throws CertificateParsingException {
    List<InetAddress> out = new ArrayList<>();
    for (String ip : sans(cert, IP)) {
      try {
        out.add(InetAddress.getByName(ip)); // a literal, as the JDK formats it: no lookup
      } catch (UnknownHostException e) {
        throw new CertificateParsingException("bad IP SAN " + ip);
      }
    }
    return out;
  }

  private static List<String> sans(X509Certificate cert, int type) throws CertificateParsingException {
    Collection<List<?>> all = cert.getSubjectAlternativeNames();
    if (all == null) {
      return List.of();
    }
    return all.stream().filter(e -> (Integer) e.get(0) == type).map(e -> (String) e.get(1)).toList();
  }
}

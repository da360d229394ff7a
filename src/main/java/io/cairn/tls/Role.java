package io.cairn.tls;

import java.util.Locale;

/**
 * What a certificate's holder may do in a cluster, carried in the certificate itself so that the
 * receiving side can check it. It is written as a URI subject alternative name
 * ({@code urn:cairn:role:server}): a URI SAN is a different GeneralName type from the IP and DNS
 * SANs, so a role can never be read as an address nor an address as a role, and both
 * {@code openssl x509 -text} and the JDK ({@code getSubjectAlternativeNames}, type 6) show it.
 */
public enum Role {
  /** A node that may be a Raft voter; serves and dials peers. */
  SERVER,
  /** A node that runs work but may not vote; serves and dials peers. */
  CLIENT,
  /** An operator's command line: a TLS client only. */
  CLI;

  static final String URN_PREFIX = "urn:cairn:role:";
  /** Certificates of cluster nodes, as opposed to an operator's {@code cli} one. */
  public static final java.util.Set<Role> NODES = java.util.Set.of(SERVER, CLIENT);

  public String urn() {
    return URN_PREFIX + cliName();
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role named {@code server}, {@code client} or {@code cli}. */
  public static Role parse(String text) {
    for (Role r : values()) {
      if (r.cliName().equals(text)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown role '" + text + "': use server, client or cli");
  }
}

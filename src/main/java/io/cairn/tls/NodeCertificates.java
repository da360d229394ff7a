package io.cairn.tls;

import java.security.KeyPair;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * Issues node and operator certificates from a {@link CertificateAuthority}. Servers and clients
 * (nodes) get serverAuth and clientAuth, since a node both serves peers and dials them; {@code cli}
 * gets clientAuth only. The role travels as a URI SAN (see {@link Role}), addresses as IP and DNS SANs.
 */
public final class NodeCertificates {
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);
  /** A name that is safe as a file name and as a common name; "ca" is the CA's own file name. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private NodeCertificates() {}

  public static KeyAndCertificate issue(CertificateAuthority ca, Role role, String name, List<String> ips,
      List<String> dnsNames, Duration validity) {
    checkName(name);
    List<GeneralName> sans = new ArrayList<>();
    sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, role.urn()));
    ips.forEach(ip -> sans.add(new GeneralName(GeneralName.iPAddress, checkIp(ip))));
    dnsNames.forEach(dns -> sans.add(new GeneralName(GeneralName.dNSName, checkDns(dns))));

    Instant now = Instant.now();
    X509Certificate caCert = ca.certificate();
    if (X509.notAfter(now, validity).after(caCert.getNotAfter())) {
      throw new IllegalArgumentException("the certificate would outlive its CA (valid until "
          + caCert.getNotAfter().toInstant() + "): issue it for a shorter time");
    }
    KeyPair keys = X509.newKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Cairn")
        .addRDN(BCStyle.OU, role.cliName()).addRDN(BCStyle.CN, name).build();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer(caCert), X509.serial(), X509.notBefore(now),
        X509.notAfter(now, validity), subject, keys.getPublic());
    KeyPurposeId[] purposes = role == Role.CLI
        ? new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}
        : new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth};
    try {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)))
          .addExtension(Extension.subjectKeyIdentifier, false, X509.extensions().createSubjectKeyIdentifier(keys.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, X509.extensions().createAuthorityKeyIdentifier(caCert));
    } catch (CertIOException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode a certificate extension", e);
    }
    return new KeyAndCertificate(name, X509.sign(b, ca.key()), keys.getPrivate());
  }

  /** The CA's subject exactly as encoded in its certificate, so chain building matches it byte for byte. */
  private static X500Name issuer(X509Certificate caCert) {
    try {
      return new JcaX509CertificateHolder(caCert).getSubject();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("cannot read the CA certificate's subject", e);
    }
  }

  public static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches() || name.equals(CertificateAuthority.NAME)) {
      throw new IllegalArgumentException("bad name '" + name + "': letters, digits, '.', '_' and '-', "
          + "starting with a letter or digit, at most 64 characters, and not 'ca'");
    }
    return name;
  }

  /** An IPv4 or IPv6 literal; never looked up. */
  public static String checkIp(String ip) {
    if (ip == null || !IPAddress.isValid(ip)) {
      throw new IllegalArgumentException("bad IP address '" + ip + "': give an IPv4 or IPv6 literal");
    }
    return ip;
  }

  /** A host name (letters, digits and hyphens in dot-separated labels), optionally a leading "*." wildcard. */
  public static String checkDns(String dns) {
    String host = dns != null && dns.startsWith("*.") ? dns.substring(2) : dns;
    boolean ok = host != null && !host.isEmpty() && dns.length() <= 253;
    for (String label : ok ? host.split("\\.", -1) : new String[0]) {
      ok &= DNS_LABEL.matcher(label).matches();
    }
    if (!ok) {
      throw new IllegalArgumentException("bad DNS name '" + dns + "': dot-separated labels of letters, digits and '-'");
    }
    return dns;
  }
}

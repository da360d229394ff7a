package io.cairn.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * A cluster's own certificate authority: a self-signed EC P-256 certificate that may sign leaf
 * certificates only (path length 0), kept as {@code ca.pem} and {@code ca-key.pem} in one directory.
 */
public final class CertificateAuthority {
  public static final String NAME = "ca";
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(3650);

  private final KeyAndCertificate files;

  private CertificateAuthority(KeyAndCertificate files) {
    this.files = files;
  }

  /**
   * A new CA. Its common name carries a random suffix so that two clusters' CAs are told apart by
   * name too (trust stores and logs show names, not keys).
   */
  public static CertificateAuthority create(Duration validity) {
    KeyPair keys = X509.newKeyPair();
    Instant now = Instant.now();
    byte[] suffix = new byte[4];
    new java.security.SecureRandom().nextBytes(suffix);
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Cairn")
        .addRDN(BCStyle.CN, "Cairn CA " + HexFormat.of().formatHex(suffix)).build();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, X509.serial(), X509.notBefore(now),
        X509.notAfter(now, validity), subject, keys.getPublic());
    try {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false,
              X509.extensions().createSubjectKeyIdentifier(keys.getPublic()));
    } catch (CertIOException e) {
      throw new IllegalStateException("cannot encode a CA extension", e);
    }
    return new CertificateAuthority(new KeyAndCertificate(NAME, X509.sign(b, keys.getPrivate()), keys.getPrivate()));
  }

  /** The CA in {@code dir}: checks that it is a CA and that the key belongs to the certificate. */
  public static CertificateAuthority load(Path dir) throws IOException {
    KeyAndCertificate f = KeyAndCertificate.read(dir, NAME);
    if (f.certificate().getBasicConstraints() < 0) {
      throw new IOException(KeyAndCertificate.certificateFile(dir, NAME) + " is not a CA certificate");
    }
    if (!belongsTo(f.key(), f.certificate())) {
      throw new IOException(KeyAndCertificate.keyFile(dir, NAME) + " is not the key of "
          + KeyAndCertificate.certificateFile(dir, NAME));
    }
    return new CertificateAuthority(f);
  }

  private static boolean belongsTo(PrivateKey key, X509Certificate cert) {
    try {
      byte[] probe = "cairn-ca-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(X509.SIGNATURE);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      s.initVerify(cert.getPublicKey());
      s.update(probe);
      return s.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Writes {@code ca.pem} (0644) and {@code ca-key.pem} (0600); refuses existing files unless {@code overwrite}. */
  public List<Path> write(Path dir, boolean overwrite) throws IOException {
    return files.write(dir, overwrite);
  }

  public X509Certificate certificate() {
    return files.certificate();
  }

  PrivateKey key() {
    return files.key();
  }
}

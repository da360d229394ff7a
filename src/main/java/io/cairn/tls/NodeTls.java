package io.cairn.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * This node's TLS identity: the cluster CA, its certificate and key, read from PEM files and read
 * again when the files change (rotation without a restart). Every listener and dialer gets its key
 * and trust managers from here; they delegate to the material current at each handshake, so a
 * rotated certificate or CA takes effect on the next connection.
 */
public final class NodeTls {
  /** A certificate this close to its end is warned about, in the log and in readiness details. */
  public static final Duration EXPIRY_WARNING = Duration.ofDays(14);

  public record PemFiles(Path ca, Path cert, Path key) {}

  /** One consistent set of CA, certificate and key, with the JDK managers built from them. */
  record Material(X509Certificate ca, X509Certificate cert, Role role, X509ExtendedKeyManager keys,
      X509ExtendedTrustManager trust, byte[] digest) {}

  private final PemFiles files;
  private final HandshakeFailures failures;
  private volatile Material current;

  private NodeTls(PemFiles files, HandshakeFailures failures, Material material) {
    this.files = files;
    this.failures = failures;
    this.current = material;
  }

  /** Reads and checks the files; a problem is an exception naming the file and what is wrong. */
  public static NodeTls load(PemFiles files, HandshakeFailures failures) throws IOException, GeneralSecurityException {
    return new NodeTls(files, failures, read(files));
  }

  public X509Certificate certificate() {
    return current.cert();
  }

  /** Where refused handshakes and refused calls are counted and reported. */
  public HandshakeFailures failures() {
    return failures;
  }

  public Role role() {
    return current.role();
  }

  /**
   * Reads the files again if their bytes changed; returns whether the new material is in use. A
   * broken new set (half-written, key not matching) throws and leaves the old one in place.
   */
  public boolean reloadIfChanged() throws IOException, GeneralSecurityException {
    byte[] digest = digest(files);
    if (MessageDigest.isEqual(digest, current.digest())) {
      return false;
    }
    current = read(files);
    return true;
  }

  /** Days left before this node's certificate expires, when fewer than {@link #EXPIRY_WARNING}; else null. */
  public String expiryWarning(Instant now) {
    Instant end = current.cert().getNotAfter().toInstant();
    Duration left = Duration.between(now, end);
    if (left.compareTo(EXPIRY_WARNING) > 0) {
      return null;
    }
    return "TLS certificate " + files.cert() + " expires " + end + " (in " + Math.max(0, left.toHours() / 24) + " days)";
  }

  /** Presents this node's certificate, whichever is current at the handshake. */
  public X509ExtendedKeyManager keyManager() {
    return new CurrentKeys(() -> current.keys());
  }

  /**
   * Trusts certificates the cluster CA signed (and only while valid) whose role is in
   * {@code roles}; every refusal counts against {@code listener}. Used both ways: checking the
   * peers that dial this listener, and checking the servers this node dials.
   */
  public X509ExtendedTrustManager trustManager(String listener, Set<Role> roles) {
    return new CurrentTrust(() -> current.trust(), roles, listener, failures);
  }

  private static Material read(PemFiles files) throws IOException, GeneralSecurityException {
    byte[] digest = digest(files);
    X509Certificate ca = Pem.readCertificate(files.ca());
    X509Certificate cert = Pem.readCertificate(files.cert());
    PrivateKey key = Pem.readPrivateKey(files.key());
    try {
      cert.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new CertificateException(files.cert() + " is not signed by the CA in " + files.ca());
    }
    cert.checkValidity();
    if (!keyMatches(key, cert)) {
      throw new CertificateException(files.key() + " is not the key of the certificate in " + files.cert());
    }
    Role role = Certificates.role(cert).orElseThrow(() -> new CertificateException(files.cert()
        + " carries no Cairn role: make it with cairn tls cert create --role server|client"));
    char[] none = new char[0];
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("node", key, none, new Certificate[] {cert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
    kmf.init(keys, none);
    KeyStore anchors = KeyStore.getInstance("PKCS12");
    anchors.load(null, null);
    anchors.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(anchors);
    return new Material(ca, cert, role, (X509ExtendedKeyManager) kmf.getKeyManagers()[0],
        (X509ExtendedTrustManager) tmf.getTrustManagers()[0], digest);
  }

  /** Signs and verifies a few bytes: the only sure test that the key belongs to the certificate. */
  private static boolean keyMatches(PrivateKey key, X509Certificate cert) throws GeneralSecurityException {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "cairn".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    Signature sign = Signature.getInstance(algorithm);
    sign.initSign(key);
    sign.update(probe);
    byte[] signature = sign.sign();
    Signature verify = Signature.getInstance(algorithm);
    verify.initVerify(cert.getPublicKey());
    verify.update(probe);
    return verify.verify(signature);
  }

  private static byte[] digest(PemFiles files) throws IOException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Path p : new Path[] {files.ca(), files.cert(), files.key()}) {
        sha.update(Files.readAllBytes(p));
      }
      return sha.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

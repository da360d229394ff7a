package io.cairn.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** A certificate with its private key, stored as {@code NAME.pem} (0644) and {@code NAME-key.pem} (0600). */
public record KeyAndCertificate(String name, X509Certificate certificate, PrivateKey key) {
  public static Path certificateFile(Path dir, String name) {
    return dir.resolve(name + ".pem");
  }

  public static Path keyFile(Path dir, String name) {
    return dir.resolve(name + "-key.pem");
  }

  /** Writes both files, or neither if one exists and {@code overwrite} is false; returns the paths written. */
  public List<Path> write(Path dir, boolean overwrite) throws IOException {
    return Pem.writeAll(List.of(
        new Pem.PemFile(certificateFile(dir, name), Pem.encode(certificate), Pem.CERT_PERMISSIONS),
        new Pem.PemFile(keyFile(dir, name), Pem.encode(key), Pem.KEY_PERMISSIONS)), overwrite);
  }

  public static KeyAndCertificate read(Path dir, String name) throws IOException {
    return new KeyAndCertificate(name, Pem.readCertificate(certificateFile(dir, name)),
        Pem.readPrivateKey(keyFile(dir, name)));
  }
}

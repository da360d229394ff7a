package io.cairn.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * PEM in and out: certificates as {@code CERTIFICATE}, private keys as unencrypted PKCS#8
 * ({@code PRIVATE KEY}), which the JDK, OpenSSL, Netty and gRPC all read. Files are written so a
 * key is never readable by others, not even for a moment, and an existing file is never replaced
 * unless the caller says so.
 */
public final class Pem {
  /** Private keys: the owner only. */
  public static final Set<PosixFilePermission> KEY_PERMISSIONS = PosixFilePermissions.fromString("rw-------");
  /** Certificates are public: anyone may read them. */
  public static final Set<PosixFilePermission> CERT_PERMISSIONS = PosixFilePermissions.fromString("rw-r--r--");

  private Pem() {}

  /** One file to write: its path, PEM text and permissions. */
  public record PemFile(Path path, String pem, Set<PosixFilePermission> permissions) {}

  public static String encode(X509Certificate certificate) {
    return write(certificate);
  }

  public static String encode(PrivateKey key) {
    try {
      return write(new JcaPKCS8Generator(key, null).generate());
    } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
      throw new IllegalArgumentException("cannot encode a " + key.getAlgorithm() + " key as PKCS#8", e);
    }
  }

  private static String write(Object o) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(text)) {
      w.writeObject(o);
    } catch (IOException e) {
      throw new IllegalStateException("writing PEM to memory failed", e);
    }
    return text.toString();
  }

  /** The first certificate in a PEM file. */
  public static X509Certificate readCertificate(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof X509CertificateHolder h) {
          return new JcaX509CertificateConverter().getCertificate(h);
        }
      }
    } catch (CertificateException e) {
      throw new IOException(file + ": not a valid certificate: " + e.getMessage(), e);
    }
    throw new IOException(file + ": no CERTIFICATE in it");
  }

  /** The private key in a PEM file: PKCS#8, or the traditional {@code EC/RSA PRIVATE KEY}. */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
        if (o instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair).getPrivate();
        }
      }
    }
    throw new IOException(file + ": no unencrypted PRIVATE KEY in it");
  }

  /**
   * Writes all files or, when one exists and {@code overwrite} is false, none: every path is
   * checked before anything is written. Each file is written beside its target with its final
   * permissions and then renamed into place, so a reader sees the old file or the whole new one.
   */
  public static List<Path> writeAll(List<PemFile> files, boolean overwrite) throws IOException {
    if (!overwrite) {
      for (PemFile f : files) {
        if (Files.exists(f.path())) {
          throw new FileAlreadyExistsException(f.path().toString(), null, "exists; refusing to overwrite it");
        }
      }
    }
    List<Path> written = new ArrayList<>();
    for (PemFile f : files) {
      Path dir = f.path().toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + f.path().getFileName(), ".tmp",
          PosixFilePermissions.asFileAttribute(KEY_PERMISSIONS));
      try {
        Files.writeString(tmp, f.pem(), StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(tmp, f.permissions());
        if (overwrite) {
          Files.move(tmp, f.path(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
          // a hard link fails if the target appeared since the check: never replaces a file
          Files.createLink(f.path(), tmp);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      written.add(f.path());
    }
    return written;
  }
}

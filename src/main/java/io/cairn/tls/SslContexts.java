package io.cairn.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A JDK {@link SSLContext} from PEM files: our key and certificate, trusting one CA only. */
public final class SslContexts {
  private SslContexts() {}

  public static SSLContext mutual(Path certPem, Path keyPem, Path caPem) throws IOException, GeneralSecurityException {
    X509Certificate ca = Pem.readCertificate(caPem);
    char[] none = new char[0];
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    // the leaf alone: every peer holds the CA already, and the chain need not be ours to be tried
    keys.setKeyEntry("key", Pem.readPrivateKey(keyPem), none, new Certificate[] {Pem.readCertificate(certPem)});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, none);

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);

    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  /**
   * For a client (the CLI): trusts {@code caPem}'s CA only when given (else the JDK's default
   * roots), and presents {@code certPem}/{@code keyPem} when given (nodes with tls.verifyClients).
   */
  public static SSLContext client(Path caPem, Path certPem, Path keyPem) throws IOException, GeneralSecurityException {
    char[] none = new char[0];
    javax.net.ssl.KeyManager[] keyManagers = null;
    if (certPem != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("key", Pem.readPrivateKey(keyPem), none, new Certificate[] {Pem.readCertificate(certPem)});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, none);
      keyManagers = kmf.getKeyManagers();
    }
    javax.net.ssl.TrustManager[] trustManagers = null;
    if (caPem != null) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", Pem.readCertificate(caPem));
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(trust);
      trustManagers = tmf.getTrustManagers();
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(keyManagers, trustManagers, null);
    return ctx;
  }
}

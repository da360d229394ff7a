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
}

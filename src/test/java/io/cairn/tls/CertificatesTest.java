package io.cairn.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CA, issued certificates and their files, checked with the JDK's own PKIX validator. */
@Timeout(60)
class CertificatesTest {
  static final Duration YEAR = Duration.ofDays(365);

  @TempDir
  Path dir;

  static void validate(X509Certificate leaf, X509Certificate ca) throws Exception {
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
  }

  @Test
  void anIssuedCertificateVerifiesAgainstItsCaWithPkix() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create(CertificateAuthority.DEFAULT_VALIDITY);
    KeyAndCertificate node = NodeCertificates.issue(ca, Role.SERVER, "node-1", List.of("10.0.0.5"), List.of("node-1.example"), YEAR);

    validate(node.certificate(), ca.certificate());
    assertThat(ca.certificate().getBasicConstraints()).as("a CA that signs leaves only").isZero();
    assertThat(ca.certificate().getKeyUsage()[5]).as("keyCertSign").isTrue();
    assertThat(node.certificate().getBasicConstraints()).as("not a CA").isEqualTo(-1);
    assertThat(node.certificate().getSubjectX500Principal().getName()).contains("CN=node-1");
    assertThat(node.certificate().getPublicKey().getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void aCertificateFromAnotherCaDoesNotVerify() {
    CertificateAuthority ours = CertificateAuthority.create(YEAR.multipliedBy(2));
    CertificateAuthority theirs = CertificateAuthority.create(YEAR.multipliedBy(2));
    KeyAndCertificate stranger = NodeCertificates.issue(theirs, Role.SERVER, "node-9", List.of(), List.of(), YEAR);

    assertThatThrownBy(() -> validate(stranger.certificate(), ours.certificate()))
        .isInstanceOf(CertPathValidatorException.class);
    assertThat(ours.certificate().getSubjectX500Principal()).as("CAs are told apart by name too")
        .isNotEqualTo(theirs.certificate().getSubjectX500Principal());
  }

  @Test
  void addressesAndRoleAreReadBackAndCannotBeConfused() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create(YEAR.multipliedBy(2));
    KeyAndCertificate node = NodeCertificates.issue(ca, Role.CLIENT, "worker-2", List.of("192.168.1.7", "::1"),
        List.of("worker-2.cluster.local", "localhost"), YEAR);

    assertThat(Certificates.role(node.certificate())).contains(Role.CLIENT);
    assertThat(Certificates.ipAddresses(node.certificate()))
        .containsExactly(InetAddress.getByName("192.168.1.7"), InetAddress.getByName("::1"));
    assertThat(Certificates.dnsNames(node.certificate())).containsExactly("worker-2.cluster.local", "localhost");
    assertThat(node.certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");

    KeyAndCertificate cli = NodeCertificates.issue(ca, Role.CLI, "alice", List.of(), List.of(), YEAR);
    assertThat(Certificates.role(cli.certificate())).contains(Role.CLI);
    assertThat(cli.certificate().getExtendedKeyUsage()).as("clientAuth only").containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(Certificates.role(ca.certificate())).as("the CA holds no role").isEmpty();
  }

  @Test
  void badNamesAddressesAndLifetimesAreRefused() {
    CertificateAuthority ca = CertificateAuthority.create(YEAR);
    assertThatThrownBy(() -> NodeCertificates.issue(ca, Role.SERVER, "../etc", List.of(), List.of(), YEAR.minusDays(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeCertificates.issue(ca, Role.SERVER, "ca", List.of(), List.of(), YEAR.minusDays(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeCertificates.issue(ca, Role.SERVER, "n", List.of("node-1.example"), List.of(), YEAR.minusDays(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeCertificates.issue(ca, Role.SERVER, "n", List.of("10.0.0.256"), List.of(), YEAR.minusDays(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeCertificates.issue(ca, Role.SERVER, "n", List.of(), List.of("bad_host"), YEAR.minusDays(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NodeCertificates.issue(ca, Role.SERVER, "n", List.of(), List.of(), YEAR.plusDays(1)))
        .as("a certificate may not outlive its CA").isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Role.parse("voter")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void keysAreWrittenOwnerOnlyAndReadBackAsTheSameCa() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create(YEAR.multipliedBy(2));
    ca.write(dir, false);
    KeyAndCertificate node = NodeCertificates.issue(CertificateAuthority.load(dir), Role.SERVER, "node-1",
        List.of("127.0.0.1"), List.of(), YEAR);
    node.write(dir.resolve("nodes"), false);

    assertThat(perms(dir.resolve("ca-key.pem"))).isEqualTo("rw-------");
    assertThat(perms(dir.resolve("nodes/node-1-key.pem"))).isEqualTo("rw-------");
    assertThat(perms(dir.resolve("ca.pem"))).isEqualTo("rw-r--r--");
    assertThat(perms(dir.resolve("nodes/node-1.pem"))).isEqualTo("rw-r--r--");
    assertThat(Files.readString(dir.resolve("ca-key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("no temporary files left")
          .containsExactlyInAnyOrder("ca.pem", "ca-key.pem", "nodes");
    }
    KeyAndCertificate read = KeyAndCertificate.read(dir.resolve("nodes"), "node-1");
    assertThat(read.certificate()).isEqualTo(node.certificate());
    assertThat(read.key().getEncoded()).isEqualTo(node.key().getEncoded());
    validate(read.certificate(), Pem.readCertificate(dir.resolve("ca.pem")));
  }

  @Test
  void existingFilesAreNeverOverwrittenUnlessAsked() throws Exception {
    CertificateAuthority first = CertificateAuthority.create(YEAR);
    first.write(dir, false);
    String cert = Files.readString(dir.resolve("ca.pem"));
    String key = Files.readString(dir.resolve("ca-key.pem"));

    assertThatThrownBy(() -> CertificateAuthority.create(YEAR).write(dir, false)).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readString(dir.resolve("ca.pem"))).isEqualTo(cert);
    assertThat(Files.readString(dir.resolve("ca-key.pem"))).isEqualTo(key);

    Files.delete(dir.resolve("ca.pem"));
    assertThatThrownBy(() -> CertificateAuthority.create(YEAR).write(dir, false)).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(dir.resolve("ca.pem")).as("all or nothing: the certificate is not written beside a kept key").doesNotExist();

    CertificateAuthority second = CertificateAuthority.create(YEAR);
    second.write(dir, true);
    assertThat(Pem.readCertificate(dir.resolve("ca.pem"))).isEqualTo(second.certificate());
    assertThat(perms(dir.resolve("ca-key.pem"))).isEqualTo("rw-------");
  }

  @Test
  void aCaWhoseKeyIsNotItsOwnIsRefused() throws Exception {
    CertificateAuthority.create(YEAR).write(dir.resolve("a"), false);
    CertificateAuthority.create(YEAR).write(dir.resolve("b"), false);
    Files.copy(dir.resolve("b/ca-key.pem"), dir.resolve("a/ca-key.pem"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> CertificateAuthority.load(dir.resolve("a"))).hasMessageContaining("is not the key of");
  }

  static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}

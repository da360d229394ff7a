package io.cairn.cli;

import io.cairn.tls.CertificateAuthority;
import io.cairn.tls.KeyAndCertificate;
import io.cairn.tls.NodeCertificates;
import io.cairn.tls.Role;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn tls ca create} and {@code cairn tls cert create}: a cluster's own CA and the node and
 * operator certificates it signs. Works on local files only; no node is contacted.
 */
@Command(name = "tls", description = "Certificates for mutual TLS between nodes and operators.",
    mixinStandardHelpOptions = true, subcommands = {TlsCommands.Ca.class, TlsCommands.Cert.class})
public final class TlsCommands {
  private TlsCommands() {}

  @Command(name = "ca", description = "The cluster's certificate authority.", mixinStandardHelpOptions = true,
      subcommands = {CreateCa.class})
  static final class Ca {}

  @Command(name = "cert", description = "Certificates signed by the cluster's CA.", mixinStandardHelpOptions = true,
      subcommands = {CreateCert.class})
  static final class Cert {}

  @Command(name = "create", description = "Create a CA: DIR/ca.pem and DIR/ca-key.pem (0600).",
      mixinStandardHelpOptions = true)
  static final class CreateCa implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write into (created if missing).")
    Path out;

    @Option(names = "--days", paramLabel = "N", defaultValue = "3650", description = "Valid for N days (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--force", description = "Replace existing files.")
    boolean force;

    @Override
    public Integer call() {
      CertificateAuthority ca = CertificateAuthority.create(validity(days));
      printWritten(write(() -> ca.write(out, force)));
      Cli.out().println("CA " + ca.certificate().getSubjectX500Principal().getName() + ", valid until "
          + ca.certificate().getNotAfter().toInstant());
      return 0;
    }
  }

  @Command(name = "create", description = "Create a certificate signed by the CA: DIR2/NAME.pem and DIR2/NAME-key.pem (0600).",
      mixinStandardHelpOptions = true)
  static final class CreateCert implements Callable<Integer> {
    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "Directory holding ca.pem and ca-key.pem.")
    Path caDir;

    @Option(names = "--role", required = true, paramLabel = "ROLE",
        description = "server (may vote in Raft), client (runs work, no vote) or cli (an operator).")
    String role;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Common name and file name, e.g. node-1.")
    String name;

    @Option(names = "--ip", paramLabel = "IP", description = "An IP address the holder is reached at (repeatable).")
    List<String> ips = new ArrayList<>();

    @Option(names = "--dns", paramLabel = "NAME", description = "A DNS name the holder is reached at (repeatable).")
    List<String> dnsNames = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR2", description = "Directory to write into (created if missing).")
    Path out;

    @Option(names = "--days", paramLabel = "N", defaultValue = "365", description = "Valid for N days (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--force", description = "Replace existing files.")
    boolean force;

    @Override
    public Integer call() {
      KeyAndCertificate issued;
      try {
        Role r = Role.parse(role);
        NodeCertificates.checkName(name);
        ips.forEach(NodeCertificates::checkIp);
        dnsNames.forEach(NodeCertificates::checkDns);
        CertificateAuthority ca = read(caDir);
        issued = NodeCertificates.issue(ca, r, name, ips, dnsNames, validity(days));
      } catch (IllegalArgumentException e) {
        throw CliException.usage(e.getMessage());
      }
      printWritten(write(() -> issued.write(out, force)));
      Cli.out().println(role + " certificate " + name + ", valid until " + issued.certificate().getNotAfter().toInstant()
          + (ips.isEmpty() && dnsNames.isEmpty() ? "" : ", for " + String.join(", ", concat(ips, dnsNames))));
      return 0;
    }

    private static CertificateAuthority read(Path dir) {
      try {
        return CertificateAuthority.load(dir);
      } catch (IOException e) {
        throw CliException.failed("cannot read the CA in " + dir + ": " + e.getMessage());
      }
    }

    private static List<String> concat(List<String> a, List<String> b) {
      List<String> all = new ArrayList<>(a);
      all.addAll(b);
      return all;
    }
  }

  private static Duration validity(int days) {
    if (days < 1) {
      throw CliException.usage("--days must be at least 1, not " + days);
    }
    return Duration.ofDays(days);
  }

  private interface Writer {
    List<Path> write() throws IOException;
  }

  private static List<Path> write(Writer w) {
    try {
      return w.write();
    } catch (FileAlreadyExistsException e) {
      throw CliException.usage(e.getFile() + " exists; nothing was written (use --force to replace it)");
    } catch (IOException e) {
      throw CliException.failed("cannot write: " + e);
    }
  }

  private static void printWritten(List<Path> paths) {
    for (Path p : paths) {
      Cli.out().println("wrote " + p + (p.getFileName().toString().endsWith("-key.pem") ? " (private key, 0600)" : ""));
    }
  }
}

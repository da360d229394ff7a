package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.Main;
import io.cairn.tls.Certificates;
import io.cairn.tls.Role;
import io.cairn.tls.SslContexts;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `cairn tls ca create` and `cairn tls cert create` run in-process; their files checked by OpenSSL and a real TLS handshake. */
@Timeout(60)
class TlsCliTest {
  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Cli.run(Main.commandLine(), args, Map.of("HOME", "/nonexistent"), new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Run ok(String... args) {
    Run r = run(args);
    assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.err()).isZero();
    return r;
  }

  Path ca() {
    ok("tls", "ca", "create", "--out", dir.resolve("ca").toString());
    return dir.resolve("ca");
  }

  @Test
  void caAndNodeCertificatesAreWrittenAndOpensslVerifiesThem() throws Exception {
    Run ca = ok("tls", "ca", "create", "--out", dir.resolve("ca").toString());
    assertThat(ca.out()).contains("ca.pem", "ca-key.pem (private key, 0600)");
    Run node = ok("tls", "cert", "create", "--ca", dir.resolve("ca").toString(), "--role", "server", "--name", "node-1",
        "--ip", "10.0.0.5", "--ip", "127.0.0.1", "--dns", "node-1.example", "--dns", "localhost",
        "--out", dir.resolve("certs").toString());
    assertThat(node.out()).contains("node-1.pem", "node-1-key.pem (private key, 0600)");
    assertThat(perms(dir.resolve("ca/ca-key.pem"))).isEqualTo("rw-------");
    assertThat(perms(dir.resolve("certs/node-1-key.pem"))).isEqualTo("rw-------");
    assertThat(perms(dir.resolve("certs/node-1.pem"))).isEqualTo("rw-r--r--");

    X509Certificate cert = io.cairn.tls.Pem.readCertificate(dir.resolve("certs/node-1.pem"));
    assertThat(Certificates.role(cert)).contains(Role.SERVER);
    assertThat(Certificates.ipAddresses(cert)).containsExactly(InetAddress.getByName("10.0.0.5"), InetAddress.getByName("127.0.0.1"));
    assertThat(Certificates.dnsNames(cert)).containsExactly("node-1.example", "localhost");

    if (!openssl()) {
      System.out.println("openssl not found: skipping the OpenSSL checks");
      return;
    }
    String verified = exec("openssl", "verify", "-CAfile", dir.resolve("ca/ca.pem").toString(),
        dir.resolve("certs/node-1.pem").toString());
    assertThat(verified).contains("node-1.pem: OK");
    String text = exec("openssl", "x509", "-noout", "-text", "-in", dir.resolve("certs/node-1.pem").toString());
    assertThat(text).contains("IP Address:10.0.0.5", "IP Address:127.0.0.1", "DNS:node-1.example",
        "URI:urn:cairn:role:server", "TLS Web Server Authentication", "TLS Web Client Authentication",
        "CA:FALSE", "prime256v1");
    assertThat(exec("openssl", "pkey", "-noout", "-in", dir.resolve("certs/node-1-key.pem").toString()))
        .as("the key parses as PKCS#8").isEmpty();

    ok("tls", "ca", "create", "--out", dir.resolve("other").toString());
    assertThat(execExit("openssl", "verify", "-CAfile", dir.resolve("other/ca.pem").toString(),
        dir.resolve("certs/node-1.pem").toString())).as("another CA does not vouch for it").isNotZero();
  }

  @Test
  void filesFromTheCliCompleteAMutualTlsHandshake() throws Exception {
    Path ca = ca();
    Path certs = dir.resolve("certs");
    ok("tls", "cert", "create", "--ca", ca.toString(), "--role", "server", "--name", "node-1", "--ip", "127.0.0.1",
        "--out", certs.toString());
    ok("tls", "cert", "create", "--ca", ca.toString(), "--role", "cli", "--name", "alice", "--out", certs.toString());
    SSLContext server = SslContexts.mutual(certs.resolve("node-1.pem"), certs.resolve("node-1-key.pem"), ca.resolve("ca.pem"));
    SSLContext alice = SslContexts.mutual(certs.resolve("alice.pem"), certs.resolve("alice-key.pem"), ca.resolve("ca.pem"));

    assertThat(handshake(server, alice)).as("the server reads the operator's role from its certificate").isEqualTo(Role.CLI);

    Path stranger = dir.resolve("stranger");
    ok("tls", "ca", "create", "--out", stranger.toString());
    ok("tls", "cert", "create", "--ca", stranger.toString(), "--role", "cli", "--name", "mallory", "--out", stranger.toString());
    SSLContext mallory = SslContexts.mutual(stranger.resolve("mallory.pem"), stranger.resolve("mallory-key.pem"),
        ca.resolve("ca.pem"));
    assertThatThrownBy(() -> handshake(server, mallory)).as("a client certificate from another CA is refused")
        .isInstanceOf(SSLException.class);
  }

  /** One handshake on 127.0.0.1 with client authentication required; returns the role the server saw. */
  static Role handshake(SSLContext serverCtx, SSLContext clientCtx) throws Exception {
    try (SSLServerSocket listener = (SSLServerSocket) serverCtx.getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setNeedClientAuth(true);
      listener.setSoTimeout(10_000);
      CompletableFuture<Role> seen = CompletableFuture.supplyAsync(() -> {
        try (SSLSocket s = (SSLSocket) listener.accept()) {
          s.setSoTimeout(10_000);
          s.startHandshake();
          Role role = Certificates.role((X509Certificate) s.getSession().getPeerCertificates()[0]).orElseThrow();
          s.getOutputStream().write(1);
          s.getOutputStream().flush();
          return role;
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      });
      try (SSLSocket c = (SSLSocket) clientCtx.getSocketFactory().createSocket("127.0.0.1", listener.getLocalPort())) {
        c.setSoTimeout(10_000);
        SSLParameters p = c.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the server's IP SAN must match 127.0.0.1
        c.setSSLParameters(p);
        c.startHandshake();
        c.getInputStream().read(); // TLS 1.3: the server's verdict on our certificate arrives after the handshake
      } catch (SSLException ignored) {
        // the server's side tells why
      }
      try {
        return seen.get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        throw e.getCause() instanceof Exception server ? server : e; // what the server saw
      }
    }
  }

  @Test
  void badInputIsRefusedWithAMessageAndNothingIsOverwritten() throws Exception {
    Path ca = ca();
    String caPem = Files.readString(ca.resolve("ca.pem"));
    List<List<String>> bad = List.of(
        List.of("--role", "voter", "--name", "n1"),
        List.of("--role", "server", "--name", "../n1"),
        List.of("--role", "server", "--name", "n1", "--ip", "node-1.example"),
        List.of("--role", "server", "--name", "n1", "--ip", "10.0.0.256"),
        List.of("--role", "server", "--name", "n1", "--dns", "bad_name"),
        List.of("--role", "server", "--name", "n1", "--days", "0"),
        List.of("--role", "server", "--name", "n1", "--days", "4000"));
    for (List<String> args : bad) {
      List<String> all = new ArrayList<>(List.of("tls", "cert", "create", "--ca", ca.toString(), "--out", dir.resolve("o").toString()));
      all.addAll(args);
      Run r = run(all.toArray(String[]::new));
      assertThat(r.exit()).as(args.toString()).isEqualTo(CliException.USAGE);
      assertThat(r.err()).as(args.toString()).startsWith("Error: ");
    }
    assertThat(dir.resolve("o")).as("nothing written for bad input").doesNotExist();

    Run again = run("tls", "ca", "create", "--out", ca.toString());
    assertThat(again.exit()).isEqualTo(CliException.USAGE);
    assertThat(again.err()).contains("exists", "--force");
    assertThat(Files.readString(ca.resolve("ca.pem"))).isEqualTo(caPem);
    ok("tls", "ca", "create", "--out", ca.toString(), "--force");
    assertThat(Files.readString(ca.resolve("ca.pem"))).isNotEqualTo(caPem);

    Run noCa = run("tls", "cert", "create", "--ca", dir.resolve("missing").toString(), "--role", "cli", "--name", "a",
        "--out", dir.resolve("o").toString());
    assertThat(noCa.exit()).isEqualTo(CliException.SERVER_REFUSED);
    assertThat(noCa.err()).contains("cannot read the CA");
  }

  static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  static boolean openssl() {
    try {
      return execExit("openssl", "version") == 0;
    } catch (Exception e) {
      return false;
    }
  }

  static String exec(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
    return out;
  }

  static int execExit(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }
}

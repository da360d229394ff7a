package io.cairn.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.cairn.Main;
import io.cairn.cli.Cli;
import io.cairn.testing.TestNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node with {@code tls.http} and {@code tls.verifyClients}: the API and S3 ports speak only TLS
 * to holders of a certificate from the CA, the plaintext probe port answers probes alone, refused
 * handshakes are counted and audited, the CLI works over https, and replacing the files with a new
 * CA's takes effect without a restart while open connections keep working.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsNodeTest {
  @TempDir
  static Path dir;
  static TestNode node;
  static CertificateAuthority ca;
  static int healthPort;

  @BeforeAll
  static void start() throws Exception {
    ca = CertificateAuthority.create(Duration.ofDays(30));
    ca.write(dir.resolve("pki"), false);
    NodeCertificates.issue(ca, Role.SERVER, "node", List.of("127.0.0.1"), List.of("localhost"), Duration.ofDays(10))
        .write(dir.resolve("pki"), false);
    NodeCertificates.issue(ca, Role.CLI, "operator", List.of(), List.of(), Duration.ofDays(10)).write(dir.resolve("pki"), false);
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      healthPort = probe.getLocalPort();
    }
    node = TestNode.start(dir.resolve("data"), Map.of("tls.caFile", pki("ca.pem").toString(),
        "tls.certFile", pki("node.pem").toString(), "tls.keyFile", pki("node-key.pem").toString(),
        "tls.http", "true", "tls.verifyClients", "true", "health.port", Integer.toString(healthPort)));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.stop();
    }
  }

  static Path pki(String file) {
    return dir.resolve("pki").resolve(file);
  }

  static String https(String path) {
    return node.url(path).replace("http://", "https://");
  }

  static HttpClient client(Path cert, Path key, Path caPem) throws Exception {
    SSLContext ssl = SslContexts.client(caPem, cert, key);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
  }

  static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(1)
  void theApiPortSpeaksOnlyTlsToHoldersOfACertificateFromTheCa() throws Exception {
    HttpResponse<String> ok = get(client(pki("operator.pem"), pki("operator-key.pem"), pki("ca.pem")),
        https("/api/v1/workloads"));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.version()).as("HTTP/2 by ALPN, so gRPC works on the port").isEqualTo(HttpClient.Version.HTTP_2);

    assertThat(catchThrowable(() -> get(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
        node.url("/api/v1/workloads")))).as("plaintext").isNotNull();
    assertThat(catchThrowable(() -> get(client(null, null, pki("ca.pem")), https("/api/v1/workloads"))))
        .as("no client certificate").isNotNull();

    CertificateAuthority foreign = CertificateAuthority.create(Duration.ofDays(30));
    Path elsewhere = Files.createDirectories(dir.resolve("foreign"));
    foreign.write(elsewhere, false);
    NodeCertificates.issue(foreign, Role.CLI, "intruder", List.of(), List.of(), Duration.ofDays(10)).write(elsewhere, false);
    assertThat(catchThrowable(() -> get(client(elsewhere.resolve("intruder.pem"), elsewhere.resolve("intruder-key.pem"),
        pki("ca.pem")), https("/api/v1/workloads")))).as("a certificate from another CA").isNotNull();

    HttpClient operator = client(pki("operator.pem"), pki("operator-key.pem"), pki("ca.pem"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
        get(operator, https("/api/v1/events?type=AuthDenied")).body()).contains("TLS handshake on the api port")
        .contains("intruder"));
    assertThat(get(operator, https("/metrics")).body())
        .containsPattern("cairn_tls_handshake_failures_total\\{listener=\"api\"[^}]*} [1-9]");
  }

  @Test
  @Order(2)
  void thePlaintextProbePortAnswersProbesAlone() throws Exception {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    assertThat(get(plain, "http://127.0.0.1:" + healthPort + "/health/ready").statusCode()).isEqualTo(200);
    assertThat(get(plain, "http://127.0.0.1:" + healthPort + "/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> other = get(plain, "http://127.0.0.1:" + healthPort + "/api/v1/workloads");
    assertThat(other.statusCode()).isEqualTo(404);
    assertThat(other.body()).contains("\"code\"");
  }

  @Test
  @Order(3)
  void theCliVerifiesTheNodeWithTheCaAndPresentsItsCertificate() {
    Map<String, String> env = new HashMap<>(Map.of("CAIRN_ADDR", https(""), "HOME", "/nonexistent"));
    Run refused = run(env, "workload", "list");
    assertThat(refused.exit()).as("without --ca-cert the node's certificate is unknown").isEqualTo(3);
    Run ok = run(env, "workload", "list", "--ca-cert", pki("ca.pem").toString(),
        "--client-cert", pki("operator.pem").toString(), "--client-key", pki("operator-key.pem").toString());
    assertThat(ok.exit()).as(ok.err()).isZero();
    env.put("CAIRN_CACERT", pki("ca.pem").toString());
    env.put("CAIRN_CLIENT_CERT", pki("operator.pem").toString());
    env.put("CAIRN_CLIENT_KEY", pki("operator-key.pem").toString());
    Run fromEnv = run(env, "workload", "list");
    assertThat(fromEnv.exit()).as(fromEnv.err()).isZero();
  }

  @Test
  @Order(4)
  void boto3SpeaksS3OverTlsWithTheCa() throws Exception {
    // S3 offers HTTP/1.1 only by ALPN, as AWS does: an HTTP/2 client falls back
    HttpResponse<String> s3 = get(client(pki("operator.pem"), pki("operator-key.pem"), pki("ca.pem")),
        "https://127.0.0.1:" + node.agent().s3Port() + "/");
    assertThat(s3.version()).isEqualTo(HttpClient.Version.HTTP_1_1);

    Path script = Files.writeString(dir.resolve("boto_tls.py"), """
        import sys, boto3
        from botocore.config import Config
        endpoint, key, secret, ca, cert, cert_key = sys.argv[1:7]
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
                          region_name="us-east-1", verify=ca, config=Config(client_cert=(cert, cert_key)))
        s3.create_bucket(Bucket="tls-bucket")
        s3.put_object(Bucket="tls-bucket", Key="hello.txt", Body=b"over tls")
        body = s3.get_object(Bucket="tls-bucket", Key="hello.txt")["Body"].read()
        assert body == b"over tls", body
        try:
            boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
                         region_name="us-east-1", verify=ca).list_buckets()
            print("no client certificate: accepted")
        except Exception as e:
            print("no client certificate: refused")
        print("boto3 over tls ok")
        """);
    Process p = new ProcessBuilder("/usr/bin/python3", script.toString(),
        "https://127.0.0.1:" + node.agent().s3Port(), TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY,
        pki("ca.pem").toString(), pki("operator.pem").toString(), pki("operator-key.pem").toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("boto3 over tls ok", "no client certificate: refused");
  }

  @Test
  @Order(5)
  void replacedFilesTakeEffectWithoutARestartAndOpenConnectionsKeepWorking() throws Exception {
    HttpClient old = client(pki("operator.pem"), pki("operator-key.pem"), pki("ca.pem"));
    assertThat(get(old, https("/health/live")).statusCode()).isEqualTo(200); // an open connection

    CertificateAuthority next = CertificateAuthority.create(Duration.ofDays(30));
    Path staging = Files.createDirectories(dir.resolve("next"));
    next.write(staging, false);
    NodeCertificates.issue(next, Role.SERVER, "node", List.of("127.0.0.1"), List.of(), Duration.ofDays(10)).write(staging, false);
    NodeCertificates.issue(next, Role.CLI, "operator", List.of(), List.of(), Duration.ofDays(10)).write(staging, false);
    HttpClient renewed = client(staging.resolve("operator.pem"), staging.resolve("operator-key.pem"), staging.resolve("ca.pem"));
    Path keptOldOperator = Files.createDirectories(dir.resolve("old"));
    for (String f : List.of("ca.pem", "operator.pem", "operator-key.pem")) {
      Files.copy(pki(f), keptOldOperator.resolve(f));
    }
    // key first, then certificate, then CA: the node keeps the old set until all three agree
    for (String f : List.of("node-key.pem", "node.pem", "ca.pem")) {
      Files.copy(staging.resolve(f), pki(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
        .until(() -> get(renewed, https("/health/live")).statusCode() == 200);
    assertThat(get(old, https("/health/live")).statusCode()).as("the connection opened before").isEqualTo(200);
    HttpClient fresh = client(keptOldOperator.resolve("operator.pem"), keptOldOperator.resolve("operator-key.pem"),
        keptOldOperator.resolve("ca.pem"));
    assertThat(catchThrowable(() -> get(fresh, https("/health/live")))).as("the old CA's certificate, new connection")
        .isNotNull();
  }

  record Run(int exit, String out, String err) {}

  static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Cli.run(Main.commandLine(), args, env, new ByteArrayInputStream(new byte[0]),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}

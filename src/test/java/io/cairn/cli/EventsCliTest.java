package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cairn.testing.Manifests;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code cairn events}: the audit stream from the CLI, with the filters the API offers, on a node with tokens. */
@Timeout(120)
class EventsCliTest {
  static final String GUESSED = "0123456789abcdef.NotTheRealSecret";
  static TestNode node;
  static String admin;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(Map.of("auth.enabled", "true"), n -> node = n);

  @BeforeAll
  static void bootstrapAndBeRefusedOnce() {
    admin = node.post("/api/v1/acl/bootstrap", "application/json", "{}").json().getString("secret");
    TestNode.Reply refused = node.send(HttpRequest.newBuilder(URI.create(node.url("/api/v1/workloads")))
        .header("Authorization", "Bearer " + GUESSED).header("X-Request-Id", "cli-denied-1").GET());
    assertThat(refused.status()).isEqualTo(401);
  }

  static CliTest.Run events(String token, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "events";
    System.arraycopy(args, 0, all, 1, args.length);
    Map<String, String> env = token == null ? Map.of("CAIRN_ADDR", node.url(""), "HOME", "/nonexistent")
        : Map.of("CAIRN_ADDR", node.url(""), "HOME", "/nonexistent", "CAIRN_TOKEN", token);
    return CliTest.run(env, "", all);
  }

  @Test
  void aBadTokenShowsUpAsAnAuthDeniedEvent() throws Exception {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> events(admin, "--type", "AuthDenied").out().contains("token 0123456789abcdef"));
    CliTest.Run table = events(admin, "--type", "AuthDenied");
    assertThat(table.exit()).as(table.err()).isZero();
    List<String> lines = table.out().lines().toList();
    assertThat(lines.get(0)).startsWith("ID").contains("AGE", "SEVERITY", "TYPE", "WORKLOAD", "INSTANCE", "REASON");
    assertThat(lines.subList(1, lines.size())).allSatisfy(line -> assertThat(line).contains("AuthDenied"))
        .anySatisfy(line -> assertThat(line).contains("Warning").contains("GET /api/v1/workloads")
            .contains("UNAUTHENTICATED").doesNotContain("NotTheRealSecret"));

    JsonNode json = new ObjectMapper().readTree(events(admin, "--type", "AuthDenied", "-o", "json").out());
    assertThat(json.path("items")).anySatisfy(e -> {
      assertThat(e.path("type").asText()).isEqualTo("AuthDenied");
      assertThat(e.path("requestId").asText()).isEqualTo("cli-denied-1");
    });
  }

  @Test
  void workloadSinceAndLimitNarrowTheList() {
    TestNode.Reply applied = node.send(HttpRequest.newBuilder(URI.create(node.url("/api/v1/workloads/ev-web")))
        .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(Manifests.workload("ev-web", 0, "sleep", "300").encode())));
    assertThat(applied.status()).as(applied.body()).isEqualTo(201);

    CliTest.Run one = events(admin, "--workload", "ev-web");
    assertThat(one.exit()).as(one.err()).isZero();
    assertThat(one.out()).contains("WorkloadApplied").contains("ev-web").doesNotContain("AuthDenied");
    assertThat(events(admin, "--workload", "no-such-workload").out().lines()).hasSize(1);

    assertThat(events(admin, "--since", "1h").out()).contains("WorkloadApplied");
    assertThat(events(admin, "--since", "2999-01-01T00:00:00Z").out().lines()).as("only the header").hasSize(1);
    assertThat(events(admin, "--limit", "1").out().lines()).hasSize(2);
  }

  @Test
  void watchPrintsTheBacklogThenEachNewEvent() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
        System.getProperty("java.class.path"), "io.cairn.Main", "events", "--watch", "--type", "AuthDenied", "-o", "json"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("CAIRN_ADDR", node.url(""));
    pb.environment().put("CAIRN_TOKEN", admin);
    Process watch = pb.start();
    try {
      List<String> lines = CliTest.collect(watch);
      await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().anyMatch(l -> l.contains("cli-denied-1")));
      // another source: denials from one source within auth.deniedWindow are counted into one event
      try (HttpClient other = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .localAddress(InetAddress.getByName("127.0.0.8")).build()) {
        HttpResponse<String> refused = other.send(HttpRequest.newBuilder(URI.create(node.url("/api/v1/workloads")))
            .header("X-Request-Id", "cli-denied-2").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> lines.stream().anyMatch(l -> l.contains("cli-denied-2")));
      assertThat(lines).filteredOn(l -> l.startsWith("{")).allSatisfy(l -> assertThat(l).contains("\"AuthDenied\""));
    } finally {
      watch.destroy();
    }
  }

  @Test
  void refusalsPrintTheNodesErrorAndExitNonZero() {
    CliTest.Run badSince = events(admin, "--since", "yesterday");
    assertThat(badSince.exit()).isEqualTo(1);
    assertThat(badSince.err()).contains("INVALID_ARGUMENT").contains("since").contains("yesterday");

    CliTest.Run noToken = events(null, "--type", "AuthDenied");
    assertThat(noToken.exit()).isEqualTo(1);
    assertThat(noToken.err()).contains("UNAUTHENTICATED");

    CliTest.Run badLimit = events(admin, "--limit", "0");
    assertThat(badLimit.exit()).as("a usage error").isEqualTo(2);
    assertThat(badLimit.err()).contains("--limit");
  }
}

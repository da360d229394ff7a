package io.cairn.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.Manifests;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Files at rest: what the node writes under its data dir is its user's alone. The documented
 * exceptions: the data dir and work/ stay traversable when runs switch user, and each run's own
 * directory under work/ belongs to the run user.
 */
@Timeout(120)
class DataDirModesTest {
  private static final Set<PosixFilePermission> GROUP_OTHER = Set.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  @TempDir
  Path data;

  @Test
  void everythingANodeWritesIsOwnerOnlyAndAnOlderDataDirIsTightenedAtStart() throws Exception {
    try (TestNode node = TestNode.start(data)) {
      use(node);
      // what the node writes itself is private from the start; RocksDB's files take the process
      // umask (its directory is 0700), so they are checked after the restart below
      assertThat(loose(data, Set.of(data.resolve("state")))).isEmpty();
    }
    // an older version's modes
    Files.setPosixFilePermissions(data.resolve("node.id"), PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(data.resolve("chunks").resolve("00"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(data.resolve("logs"), PosixFilePermissions.fromString("rwxr-xr-x"));
    try (Stream<Path> logs = Files.walk(data.resolve("logs"))) {
      for (Path p : logs.toList()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    assertThat(loose(data, Set.of())).isNotEmpty();
    try (TestNode again = TestNode.start(data)) {
      assertThat(loose(data, Set.of())).isEmpty();
    }
  }

  private static void use(TestNode node) {
    TestNode.Reply applied = node.apply("modes", Manifests.workload("modes", 1, "sh", "-c", "echo out; echo err >&2; sleep 60"));
    assertThat(applied.status()).as(applied.body()).isBetween(200, 201);
    TestNode.Reply task = node.post("/api/v1/tasks", "application/json",
        new JsonObject().put("command", new JsonArray(List.of("sh", "-c", "echo task output"))).encode());
    assertThat(task.status()).as(task.body()).isEqualTo(201);
    String taskId = task.json().getString("id");
    try (S3Client s3 = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:" + node.agent().s3Port()))
        .region(Region.US_EAST_1).forcePathStyle(true).httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(TestNode.ACCESS_KEY_ID,
            TestNode.SECRET_ACCESS_KEY))).build()) {
      s3.createBucket(b -> b.bucket("modes"));
      s3.putObject(p -> p.bucket("modes").key("k"), RequestBody.fromBytes(new byte[200_000]));
    }
    await().atMost(Duration.ofSeconds(30)).until(() ->
        "Succeeded".equals(node.get("/api/v1/tasks/" + taskId).json().getString("state")));
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      try (Stream<Path> logs = Files.walk(node.dataDir().resolve("logs"))) {
        return logs.anyMatch(p -> p.toString().endsWith(".stdout.log") && size(p) > 0);
      }
    });
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  /** Entries with a group or other bit, other than the documented exceptions and {@code skip}'s subtrees. */
  private static List<String> loose(Path data, Set<Path> skip) throws java.io.IOException {
    List<String> found = new ArrayList<>();
    Path work = data.resolve("work");
    try (Stream<Path> all = Files.walk(data)) {
      for (Path p : all.toList()) {
        if (p.equals(data) || p.equals(work) || p.startsWith(work) || skip.stream().anyMatch(p::startsWith)
            || Files.isSymbolicLink(p) || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        if (mode.stream().anyMatch(GROUP_OTHER::contains)) {
          found.add(data.relativize(p) + " " + PosixFilePermissions.toString(mode));
        }
      }
    }
    return found;
  }
}

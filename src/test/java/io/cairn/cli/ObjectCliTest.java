package io.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.Main;
import io.cairn.model.Json;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn bucket ...} and {@code cairn object ...} against a real node's S3 endpoint. */
@Timeout(120)
class ObjectCliTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  @TempDir
  Path dir;

  record Run(int exit, byte[] out, String err) {
    String text() {
      return new String(out, StandardCharsets.UTF_8);
    }

    JsonNode json() throws Exception {
      return Json.MAPPER.readTree(out);
    }
  }

  static Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", "/nonexistent");
    env.put("CAIRN_S3_ENDPOINT", "http://127.0.0.1:" + node.agent().s3Port());
    env.put("AWS_ACCESS_KEY_ID", TestNode.ACCESS_KEY_ID);
    env.put("AWS_SECRET_ACCESS_KEY", TestNode.SECRET_ACCESS_KEY);
    return env;
  }

  static Run run(String... args) {
    return run(env(), new byte[0], args);
  }

  static Run run(Map<String, String> env, byte[] stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Cli.run(Main.commandLine(), args, env, new ByteArrayInputStream(stdin), new PrintStream(out, true),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static String md5(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
  }

  @Test
  void bucketsAndObjectsRoundTripByteForByte() throws Exception {
    assertThat(run("bucket", "create", "cli-objects").text()).contains("bucket/cli-objects created");
    assertThat(run("bucket", "list").text()).containsPattern("(?m)^cli-objects\\s+\\d+s$");
    assertThat(run("bucket", "list", "-o", "json").json().path("items").findValuesAsText("name")).contains("cli-objects");

    byte[] file = random(9 << 20, 1); // three chunks at the default chunk size
    Path source = Files.write(dir.resolve("report.bin"), file);
    Run put = run("object", "put", "cli-objects/reports/", source.toString(), "-o", "json");
    assertThat(put.exit()).as(put.err()).isZero();
    assertThat(put.json().path("key").asText()).isEqualTo("reports/report.bin");
    assertThat(put.json().path("etag").asText()).isEqualTo(md5(file));

    JsonNode stat = run("object", "stat", "cli-objects/reports/report.bin", "-o", "json").json();
    assertThat(stat.path("size").asLong()).isEqualTo(file.length);
    assertThat(stat.path("etag").asText()).isEqualTo(md5(file));
    assertThat(stat.path("contentType").asText()).isEqualTo("application/octet-stream");

    Path back = dir.resolve("back.bin");
    Run get = run("object", "get", "cli-objects/reports/report.bin", back.toString());
    assertThat(get.exit()).as(get.err()).isZero();
    assertThat(Files.readAllBytes(back)).isEqualTo(file);
    assertThat(run("object", "get", "cli-objects/reports/report.bin").out()).isEqualTo(file);
    Run intoDir = run("object", "get", "cli-objects/reports/report.bin", dir.resolve("..").resolve(dir.getFileName())
        .toString());
    assertThat(intoDir.exit()).as(intoDir.err()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("report.bin"))).isEqualTo(file);

    // stdin of unknown length goes up in 8 MiB parts: a multipart ETag, the same bytes back
    byte[] streamed = random(20 << 20, 2);
    Run fromStdin = run(env(), streamed, "object", "put", "cli-objects/stream/in.bin", "-o", "json");
    assertThat(fromStdin.exit()).as(fromStdin.err()).isZero();
    assertThat(fromStdin.json().path("etag").asText()).endsWith("-3");
    assertThat(fromStdin.json().path("size").asLong()).isEqualTo(streamed.length);
    assertThat(run("object", "get", "cli-objects/stream/in.bin").out()).isEqualTo(streamed);
    Run small = run(env(), "hello".getBytes(StandardCharsets.UTF_8), "object", "put", "cli-objects/hello.txt");
    assertThat(small.exit()).as(small.err()).isZero();
    assertThat(run("object", "stat", "cli-objects/hello.txt", "-o", "json").json().path("contentType").asText())
        .isEqualTo("text/plain");

    // folder view by default, every key with -r
    String folders = run("object", "list", "cli-objects").text();
    assertThat(folders).containsPattern("(?m)^reports/\\s+PRE").containsPattern("(?m)^stream/\\s+PRE")
        .containsPattern("(?m)^hello\\.txt\\s+5\\s");
    JsonNode all = run("object", "list", "cli-objects", "-r", "-o", "json").json();
    assertThat(all.path("items").findValuesAsText("key"))
        .containsExactly("hello.txt", "reports/report.bin", "stream/in.bin");
    JsonNode underReports = run("object", "list", "cli-objects/reports/", "-o", "json").json();
    assertThat(underReports.path("items").findValuesAsText("key")).containsExactly("reports/report.bin");

    Run notEmpty = run("bucket", "delete", "cli-objects");
    assertThat(notEmpty.exit()).isEqualTo(1);
    assertThat(notEmpty.err()).contains("Error: BucketNotEmpty:");
    Run deleted = run("object", "delete", "cli-objects/reports/report.bin", "cli-objects/stream/in.bin",
        "cli-objects/hello.txt");
    assertThat(deleted.text()).contains("object/cli-objects/hello.txt deleted");
    assertThat(run("bucket", "delete", "cli-objects").exit()).isZero();
    assertThat(run("bucket", "list", "-o", "json").json().path("items").findValuesAsText("name"))
        .doesNotContain("cli-objects");
  }

  @Test
  void progressBarShowsBytesRateAndEtaWhenAskedAndNothingOtherwise() throws Exception {
    run("bucket", "create", "cli-progress");
    Path source = Files.write(dir.resolve("p.bin"), random(3 << 20, 3));
    Run withBar = run("object", "put", "cli-progress/p.bin", source.toString(), "--progress");
    assertThat(withBar.exit()).as(withBar.err()).isZero();
    String last = withBar.err().substring(withBar.err().lastIndexOf('\r') + 1).strip();
    assertThat(last).matches("p\\.bin \\[#{24}\\] 3\\.0/3\\.0 MiB  [0-9.]+ MiB/s  ETA 0s");
    Run getBar = run("object", "get", "cli-progress/p.bin", dir.resolve("q.bin").toString(), "--progress");
    assertThat(getBar.err()).contains("3.0/3.0 MiB", "ETA");
    Run quiet = run("object", "put", "cli-progress/p.bin", source.toString(), "--no-progress");
    assertThat(quiet.err()).isEmpty();
    run("object", "delete", "cli-progress/p.bin");
    run("bucket", "delete", "cli-progress");
  }

  @Test
  void mistakesAndRefusalsGiveAClearMessageAndTheRightExitCode() throws Exception {
    run("bucket", "create", "cli-errors");
    Run missing = run("object", "get", "cli-errors/nope");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).startsWith("Error: NoSuchKey: ");
    Run missingStat = run("object", "stat", "cli-errors/nope");
    assertThat(missingStat.exit()).isEqualTo(1);
    assertThat(missingStat.err()).contains("not found");
    assertThat(run("object", "list", "no-such-bucket").err()).startsWith("Error: NoSuchBucket: ");
    assertThat(run("bucket", "create", "Bad_Name").err()).startsWith("Error: InvalidBucketName: ");
    Path back = dir.resolve("never.bin");
    assertThat(run("object", "get", "cli-errors/nope", back.toString()).exit()).isEqualTo(1);
    assertThat(dir.toFile().list()).as("a failed download leaves no file behind").isEmpty();

    Map<String, String> wrongSecret = env();
    wrongSecret.put("AWS_SECRET_ACCESS_KEY", "not-the-secret");
    Run refused = run(wrongSecret, new byte[0], "bucket", "list");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).startsWith("Error: SignatureDoesNotMatch: ");

    Map<String, String> noKeys = new HashMap<>(Map.of("HOME", "/nonexistent", "CAIRN_S3_ENDPOINT", "http://127.0.0.1:1"));
    Run unsigned = run(noKeys, new byte[0], "bucket", "list");
    assertThat(unsigned.exit()).isEqualTo(2);
    assertThat(unsigned.err()).contains("no S3 credentials");
    Map<String, String> nobody = env();
    nobody.put("CAIRN_S3_ENDPOINT", "http://127.0.0.1:1");
    Run unreachable = run(nobody, new byte[0], "bucket", "list");
    assertThat(unreachable.exit()).isEqualTo(3);
    assertThat(unreachable.err()).contains("cannot reach the S3 endpoint at http://127.0.0.1:1");

    assertThat(run("object", "get", "just-a-bucket").exit()).isEqualTo(2);
    Run noFile = run("object", "put", "cli-errors/x", dir.resolve("absent").toString());
    assertThat(noFile.exit()).isEqualTo(2);
    assertThat(noFile.err()).contains("does not exist");
    assertThat(run(env(), new byte[0], "object", "put", "cli-errors/").err()).contains("a KEY is needed");
    run("bucket", "delete", "cli-errors");
  }

  @Test
  void credentialsAndEndpointComeFromAnS3EnvFileAsTheDevNodeWritesIt() throws Exception {
    Path envFile = Files.writeString(dir.resolve("s3.env"), "AWS_ACCESS_KEY_ID=" + TestNode.ACCESS_KEY_ID
        + "\nexport AWS_SECRET_ACCESS_KEY='" + TestNode.SECRET_ACCESS_KEY + "'\nAWS_DEFAULT_REGION=us-east-1\n"
        + "CAIRN_S3_ENDPOINT=http://127.0.0.1:" + node.agent().s3Port() + "\n");
    Map<String, String> bare = Map.of("HOME", "/nonexistent");
    Run created = run(bare, new byte[0], "bucket", "create", "cli-envfile", "--s3-env", envFile.toString());
    assertThat(created.exit()).as(created.err()).isZero();
    Run viaEnv = run(Map.of("HOME", "/nonexistent", "CAIRN_S3_ENV", envFile.toString()), new byte[0], "bucket", "list");
    assertThat(viaEnv.text()).contains("cli-envfile");
    Run absent = run(bare, new byte[0], "bucket", "list", "--s3-env", dir.resolve("nope.env").toString());
    assertThat(absent.exit()).isEqualTo(2);
    assertThat(absent.err()).contains("does not exist");
    run(bare, new byte[0], "bucket", "delete", "cli-envfile", "--s3-env", envFile.toString());
  }
}

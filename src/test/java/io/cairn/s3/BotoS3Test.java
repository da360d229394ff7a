package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real S3 client (Debian's python3-boto3, installed by bin/test) against the node: buckets,
 * small and 20 MiB objects byte for byte, dedup on disk, ranges, listings, presigned GET with curl,
 * SigV4 failures, S3 error codes, and a flipped byte refused rather than served.
 */
@Timeout(180)
class BotoS3Test {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  @TempDir
  Path dir;

  @Test
  void boto3WorksAgainstCairn() throws Exception {
    Path script = dir.resolve("s3_boto_check.py");
    try (var in = getClass().getResourceAsStream("/s3_boto_check.py")) {
      Files.copy(in, script);
    }
    Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "http://127.0.0.1:" + node.agent().s3Port(),
        TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY, node.dataDir().toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(150, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("buckets ok", "dedup ok", "get, range and head ok", "list v2", "presigned GET with curl ok",
        "auth and error codes ok", "corrupt chunk refused: InternalError", "50 MiB multipart upload_file",
        "multipart create/part/list/complete/abort and errors ok", "copy and batch delete ok", "delete ok");
  }
}

package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.ExternalClient;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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
  static final SharedNode SHARED = new SharedNode(Map.of("s3.domain", "s3.cairn.test"), n -> node = n);

  @TempDir
  Path dir;

  @Test
  void boto3WorksAgainstCairn() throws Exception {
    ExternalClient.Result r = ExternalClient.run("/usr/bin/python3", "s3_boto_check.py", dir, Duration.ofSeconds(150),
        "http://127.0.0.1:" + node.agent().s3Port(), TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY,
        node.dataDir().toString(), "http://s3.cairn.test:" + node.agent().s3Port());
    String out = r.output();
    assertThat(r.exit()).as(out).isZero();
    assertThat(out).contains("buckets ok", "dedup ok", "get, range and head ok", "checksums and conditional reads ok",
        "list v2", "presigned GET with curl ok",
        "auth and error codes ok", "public-read buckets ok", "corrupt chunk refused: InternalError", "50 MiB multipart upload_file",
        "multipart create/part/list/complete/abort and errors ok", "copy and batch delete ok", "virtual-host style ok", "delete ok");
  }
}

package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.ExternalClient;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Debian's aws-cli (aws-chunked and multipart uploads, presign) and s3cmd against the node, byte for byte. */
@Timeout(240)
class CliClientsS3Test {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  @TempDir
  Path dir;

  @Test
  void awsCliS3cmdAndRcloneWorkAgainstCairn() throws Exception {
    ExternalClient.Result r = ExternalClient.run("bash", "s3_cli_check.sh", dir, Duration.ofSeconds(200),
        "http://127.0.0.1:" + node.agent().s3Port(), TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY, dir.toString());
    String out = r.output();
    assertThat(r.exit()).as(out).isZero();
    assertThat(out).contains("aws s3 cp 50 MiB up and down identical", "aws listings ok", "aws presign + curl ok",
        "aws checksums and metadata ok", "aws multipart with CRC32C parts ok", "aws conditional reads ok",
        "s3cmd put/get/ls/del ok", "rclone copy/check/lsf/delete ok", "cleanup ok");
  }
}

package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.ExternalClient;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The current AWS SDK for JavaScript v3 ({@code @aws-sdk/client-s3} from npm, installed by
 * {@code bin/test} into target/js-clients) with its default settings: streaming uploads with
 * trailing checksums, each algorithm, multipart, metadata, conditional GET, copy, listing.
 */
@Timeout(120)
class AwsSdkJavaScriptTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(Map.of("s3.domain", "s3.cairn.test"), n -> node = n);

  @TempDir
  Path dir;

  @Test
  void theJavaScriptSdkWorksWithItsDefaults() throws Exception {
    Path modules = Path.of(System.getProperty("cairn.project.dir", "."), "target", "js-clients");
    assertThat(modules.resolve("node_modules/@aws-sdk/client-s3")).as("bin/test installs @aws-sdk/client-s3 there")
        .exists();
    ExternalClient.Result r = ExternalClient.run("node", "s3_js_check.cjs", dir, Duration.ofSeconds(90),
        modules.toString(), "http://127.0.0.1:" + node.agent().s3Port(), TestNode.ACCESS_KEY_ID,
        TestNode.SECRET_ACCESS_KEY, "http://s3.cairn.test:" + node.agent().s3Port());
    assertThat(r.output()).as(r.output()).contains("ok");
    assertThat(r.exit()).as(r.output()).isZero();
  }
}

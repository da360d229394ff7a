package io.cairn.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.Manifests;
import io.cairn.testing.ExternalClient;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stock gRPC client not written in Java (Debian's python3-grpcio, installed by bin/test) calls
 * Health/Check, WorkloadService/List, a failing Get, and reflection.
 */
@Timeout(90)
class PythonGrpcClientTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  @TempDir
  Path dir;

  @Test
  void pythonGrpcioTalksToCairnUnchanged() throws Exception {
    node.apply("pyweb", Manifests.workload("pyweb", 1, "sleep", "300"));
    ExternalClient.Result r = ExternalClient.run("/usr/bin/python3", "grpc_client_check.py", dir, Duration.ofSeconds(60),
        "127.0.0.1:" + node.agent().httpPort(), "pyweb");
    String out = r.output();
    assertThat(r.exit()).as(out).isZero();
    assertThat(out).contains("health SERVING", "list contains pyweb", "NOT_FOUND with cairn-error-code",
        "reflection lists cairn.v1.WorkloadService");
    node.delete("/api/v1/workloads/pyweb");
  }
}

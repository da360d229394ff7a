package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.Manifests;
import io.cairn.testing.Processes;
import io.cairn.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** /metrics serves Prometheus text with JVM, Vert.x and Cairn's own metrics. */
@Timeout(60)
class MetricsTest {
  @TempDir
  Path data;

  @Test
  void scrapeHasTheNamedMetricsWithLiveValues() {
    try (TestNode node = TestNode.start(data)) {
      node.apply("m", Manifests.withRestart(Manifests.workload("m", 2, "sleep", "300"), "Always", 5, "100ms", "100ms"));
      long pid = node.workload("m").getJsonObject("status").getJsonArray("instances").getJsonObject(0).getLong("pid");
      Processes.kill(pid);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
          node.get("/metrics").body().contains("cairn_workload_restarts_total 1.0"));
      node.get("/api/v1/workloads/absent");

      String text = node.get("/metrics").body();
      assertThat(text)
          .contains("cairn_workloads{phase=\"Running\"} 1.0")
          .contains("cairn_workload_instances{state=\"Running\"} 2.0")
          .contains("cairn_workload_restarts_total 1.0")
          .contains("cairn_reconcile_duration_seconds_count")
          .contains("cairn_gc_collected_total")
          .containsPattern("cairn_api_requests_total\\{route=\"/api/v1/workloads/:name\",status=\"404\"} [1-9]")
          .containsPattern("cairn_api_errors_total\\{code=\"NOT_FOUND\"} [1-9]")
          .contains("jvm_memory_used_bytes")
          .contains("vertx_http_server_requests_total")
          .contains("cairn_api_log_follows");
      node.delete("/api/v1/workloads/m");
    }
  }
}

package io.cairn.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.bus.Bus;
import io.cairn.config.CairnConfig;
import io.cairn.config.ConfigLoader;
import io.cairn.node.NodeResources;
import io.cairn.reconcile.ReconcileBus;
import io.cairn.reconcile.ReconcileMetrics;
import io.cairn.reconcile.ReconcileVerticle;
import io.cairn.storage.StorageBus;
import io.cairn.storage.StorageVerticle;
import io.cairn.testing.TestNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Startup and readiness follow the components; liveness does not; draining takes readiness down. */
@Timeout(60)
class ProbesTest {
  @TempDir
  Path data;

  static HealthBus.Report probe(Vertx vertx, HealthBus.Kind kind) throws Exception {
    return Bus.<HealthBus.Report>request(vertx, HealthBus.PROBE, new HealthBus.Probe(kind), Duration.ofSeconds(10), null)
        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  @Test
  void probesTransitionAsComponentsComeUp() throws Exception {
    CairnConfig config = ConfigLoader.load(null, Map.of(), Map.of("data.dir", data.toString()));
    Vertx vertx = Vertx.vertx();
    try {
      Bus.registerCodecs(vertx, Stream.of(StorageBus.MESSAGE_TYPES, ReconcileBus.MESSAGE_TYPES,
          HealthBus.MESSAGE_TYPES, io.cairn.registry.RegistryBus.MESSAGE_TYPES).flatMap(List::stream).toList());
      io.vertx.core.net.NetServer listener = vertx.createNetServer().connectHandler(socket -> socket.close())
          .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      int port = listener.actualPort();
      vertx.deployVerticle(new HealthVerticle("n1", "n1", "test", 0, new NodeResources(data),
              () -> Map.of("http", io.vertx.core.net.SocketAddress.inetSocketAddress(port, "127.0.0.1")), 90, Map.of(), Map.of(), false, null))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

      // nothing else deployed: alive, but not started and not ready
      assertThat(probe(vertx, HealthBus.Kind.live).up()).isTrue();
      HealthBus.Report startup = probe(vertx, HealthBus.Kind.startup);
      assertThat(startup.up()).isFalse();
      assertThat(startup.checks().get("storage").up()).isFalse();
      assertThat(probe(vertx, HealthBus.Kind.ready).up()).isFalse();

      io.cairn.objects.StorageMetrics metrics = io.cairn.objects.StorageMetrics.detached();
      vertx.deployVerticle(new StorageVerticle(data.resolve("state"), "n1", 1000, false,
              new StorageVerticle.ObjectStoreOptions(new io.cairn.objects.ChunkStore(data.resolve("chunks"),
                  io.cairn.objects.ChunkStore.Compression.lz4, metrics), metrics, Duration.ofHours(1), Duration.ofHours(1),
                  Duration.ofHours(24), 1L << 20, Duration.ofHours(24), 90)),
          new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      HealthBus.Report storageOnly = probe(vertx, HealthBus.Kind.ready);
      assertThat(storageOnly.checks().get("storage").up()).isTrue();
      assertThat(storageOnly.checks().get("reconciler").up()).isFalse();
      assertThat(storageOnly.up()).isFalse();

      vertx.deployVerticle(new ReconcileVerticle(config, "n1", new ReconcileMetrics(new SimpleMeterRegistry())))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> probe(vertx, HealthBus.Kind.ready).up());
      assertThat(probe(vertx, HealthBus.Kind.startup).up()).isTrue();

      vertx.eventBus().publish(HealthBus.DRAINING, new HealthBus.Draining());
      await().atMost(Duration.ofSeconds(5)).until(() -> !probe(vertx, HealthBus.Kind.ready).up());
      assertThat(probe(vertx, HealthBus.Kind.live).up()).isTrue();

      // a listener that died while the process lives on: liveness fails, naming it
      listener.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> !probe(vertx, HealthBus.Kind.live).up());
      HealthBus.Report live = probe(vertx, HealthBus.Kind.live);
      assertThat(live.checks().get("listeners").data().get("error").toString()).contains("http listener")
          .contains(":" + port);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNodeThatStoppedApplyingTheLogIsNotReady() {
    try (TestNode node = TestNode.start(data)) {
      assertThat(node.get("/health/ready").json().getJsonObject("checks").getJsonObject("applying").getString("status"))
          .isEqualTo("UP");
      node.agent().vertx().eventBus().publish(StorageBus.APPLY_STOPPED,
          new StorageBus.ApplyStopped(42, "writing the state store failed: No space left on device"));
      await().atMost(Duration.ofSeconds(5)).until(() -> node.get("/health/ready").status() == 503);
      io.vertx.core.json.JsonObject applying = node.get("/health/ready").json().getJsonObject("checks")
          .getJsonObject("applying");
      assertThat(applying.getString("status")).isEqualTo("DOWN");
      assertThat(applying.getJsonObject("data").getLong("stoppedAt")).isEqualTo(42);
      assertThat(applying.getJsonObject("data").getString("reason")).contains("No space left");
      assertThat(node.get("/health/live").status()).as("a restart is the operator's call").isEqualTo(200);
    }
  }

  @Test
  void httpProbesAnswer200Or503WithChecks() {
    try (TestNode node = TestNode.start(data)) {
      TestNode.Reply ready = node.get("/health/ready");
      assertThat(ready.status()).isEqualTo(200);
      assertThat(ready.json().getString("status")).isEqualTo("UP");
      assertThat(ready.json().getJsonObject("checks").fieldNames()).contains("storage", "reconciler", "disk");
      assertThat(ready.json().getJsonObject("checks").getJsonObject("disk").getJsonObject("data").getLong("freeBytes"))
          .isPositive();
      assertThat(node.get("/health/live").json().getJsonObject("checks").getJsonObject("listeners")
          .getJsonObject("data").fieldNames()).containsExactlyInAnyOrder("http", "s3");
      assertThat(node.get("/health/live").status()).isEqualTo(200);
      assertThat(node.get("/health/startup").status()).isEqualTo(200);

      node.agent().vertx().eventBus().publish(HealthBus.DRAINING, new HealthBus.Draining());
      await().atMost(Duration.ofSeconds(5)).until(() -> node.get("/health/ready").status() == 503);
      assertThat(node.get("/health/ready").json().getString("status")).isEqualTo("DOWN");
      assertThat(node.get("/health/live").status()).isEqualTo(200);

      TestNode.Reply info = node.get("/api/v1/node");
      assertThat(info.json().getString("id")).isEqualTo(node.nodeId());
      assertThat(info.json().getJsonObject("capacity").getDouble("cpus")).isPositive();
      assertThat(info.json().getJsonObject("capacity").getLong("memoryBytes")).isPositive();
      assertThat(info.json().getJsonObject("capacity").getLong("diskBytes")).isPositive();
      assertThat(info.json().getJsonObject("usage").fieldNames()).contains("cpuPercent", "memoryBytes", "diskPercent");
      assertThat(info.json().getString("startedAt")).isNotBlank();
    }
  }
}

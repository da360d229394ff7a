package io.cairn.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.bus.Bus;
import io.cairn.storage.StorageBus;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The storage component through its event-bus interface: dedup accounting, chunk GC, scrub. */
@Timeout(90)
class ObjectStoreMaintenanceTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(Map.of("storage.gcGrace", "1s", "storage.scrubInterval", "2s"),
      n -> node = n);

  static <T> T ask(String address, Object message) throws Exception {
    Vertx vertx = node.agent().vertx();
    return Bus.<T>request(vertx, address, message, Duration.ofSeconds(10), null)
        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  static ChunkStore.Stored putChunk(byte[] bytes) throws Exception {
    return ask(StorageBus.chunkPut(node.nodeId()), new StorageBus.PutChunk(bytes, bytes.length));
  }

  static double metric(String line) {
    return node.get("/metrics").body().lines().filter(l -> l.startsWith(line + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
  }

  static Path chunkFile(String hash) {
    return node.dataDir().resolve("chunks").resolve(hash.substring(0, 2)).resolve(hash);
  }

  @Test
  void unreferencedChunksAreCollectedReferencedOnesKeptAndDedupIsCounted() throws Exception {
    ask(StorageBus.BUCKET_CREATE, new StorageBus.BucketAcl("maint", false));
    byte[] kept = new byte[300_000];
    byte[] orphan = new byte[200_000];
    new Random(3).nextBytes(kept);
    new Random(4).nextBytes(orphan);
    ChunkStore.Stored keptChunk = putChunk(kept);
    ChunkStore.Stored orphanChunk = putChunk(orphan); // as if the upload died before its commit
    List<ObjectMeta.ChunkRef> refs = List.of(new ObjectMeta.ChunkRef(keptChunk.hash(), kept.length));
    for (String key : List.of("one", "two")) {
      ask(StorageBus.OBJECT_COMMIT, new StorageBus.Commit(new ObjectMeta("maint", key, kept.length, "etag",
          "application/octet-stream", Map.of(), refs, System.currentTimeMillis())));
    }
    assertThat(metric("cairn_storage_bytes{kind=\"logical\"}")).isEqualTo(2.0 * kept.length);

    await().atMost(Duration.ofSeconds(15)).until(() -> !Files.exists(chunkFile(orphanChunk.hash())));
    assertThat(chunkFile(keptChunk.hash())).exists();
    assertThat(metric("cairn_storage_gc_reclaimed_bytes_total")).isGreaterThanOrEqualTo(orphan.length);
    assertThat(metric("cairn_storage_bytes{kind=\"stored\"}")).isEqualTo(keptChunk.storedBytes());
    assertThat(metric("cairn_storage_dedup_ratio")).isGreaterThan(1.9);

    // deleting one copy keeps the chunk (still referenced); deleting both lets GC take it
    ask(StorageBus.OBJECT_DELETE, new StorageBus.ObjectName("maint", "one"));
    Thread.sleep(2500); // two GC periods past the grace: the chunk must survive them
    assertThat(chunkFile(keptChunk.hash())).exists();
    ask(StorageBus.OBJECT_DELETE, new StorageBus.ObjectName("maint", "two"));
    await().atMost(Duration.ofSeconds(15)).until(() -> !Files.exists(chunkFile(keptChunk.hash())));
    assertThat(metric("cairn_storage_bytes{kind=\"logical\"}")).isZero();
  }

  @Test
  void theScrubberFindsAFlippedByte() throws Exception {
    ask(StorageBus.BUCKET_CREATE, new StorageBus.BucketAcl("scrub", false));
    byte[] data = new byte[100_000];
    new Random(5).nextBytes(data);
    ChunkStore.Stored chunk = putChunk(data);
    ask(StorageBus.OBJECT_COMMIT, new StorageBus.Commit(new ObjectMeta("scrub", "victim", data.length, "etag",
        "application/octet-stream", Map.of(), List.of(new ObjectMeta.ChunkRef(chunk.hash(), data.length)),
        System.currentTimeMillis())));
    double before = metric("cairn_storage_corrupt_chunks_total");
    byte[] raw = Files.readAllBytes(chunkFile(chunk.hash()));
    raw[raw.length / 2] ^= 0x40;
    Files.write(chunkFile(chunk.hash()), raw);
    await().atMost(Duration.ofSeconds(20)).until(() -> metric("cairn_storage_corrupt_chunks_total") > before);
    await().atMost(Duration.ofSeconds(10)).until(() ->
        node.get("/api/v1/events?type=ChunkCorrupt").body().contains(chunk.hash()));
    ask(StorageBus.OBJECT_DELETE, new StorageBus.ObjectName("scrub", "victim"));
  }
}

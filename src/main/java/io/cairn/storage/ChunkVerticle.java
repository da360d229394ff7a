package io.cairn.storage;

import io.cairn.bus.Bus;
import io.cairn.objects.ChunkStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;

/**
 * The chunk half of the storage component: hashing, compressing, fsyncing and verifying chunk
 * bytes. A worker verticle deployed in several instances so chunk I/O runs in parallel and never
 * waits behind state writes.
 */
public final class ChunkVerticle extends VerticleBase {
  private final String nodeId;
  private final ChunkStore chunks;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  public ChunkVerticle(String nodeId, ChunkStore chunks) {
    this.nodeId = nodeId;
    this.chunks = chunks;
  }

  @Override
  public Future<?> start() {
    consumers.add(Bus.<StorageBus.PutChunk>serve(vertx, StorageBus.chunkPut(nodeId), m -> {
      m.digests().forEach(d -> d.update(m.bytes(), 0, m.length()));
      return chunks.put(m.bytes(), m.length());
    }));
    consumers.add(Bus.<StorageBus.GetChunk>serve(vertx, StorageBus.chunkGet(nodeId),
        m -> new StorageBus.ChunkBytes(chunks.get(m.hash()))));
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}

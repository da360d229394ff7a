package io.cairn.storage;

import io.cairn.bus.Bus;
import io.cairn.events.EventTypes;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Event;
import io.cairn.objects.ChunkStore;
import io.cairn.objects.ChunkViews;
import io.cairn.objects.StorageMetrics;
import org.slf4j.LoggerFactory;
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
  private final StorageMetrics metrics;
  private final ChunkViews views;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  public ChunkVerticle(String nodeId, ChunkStore chunks, StorageMetrics metrics) {
    this.nodeId = nodeId;
    this.chunks = chunks;
    this.metrics = metrics;
    this.views = new ChunkViews(chunks);
  }

  @Override
  public Future<?> start() {
    consumers.add(Bus.<StorageBus.PutChunk>serve(vertx, StorageBus.chunkPut(nodeId), m -> {
      long started = System.nanoTime();
      ChunkStore.Stored stored = chunks.put(m.bytes(), m.length());
      metrics.record("chunk_put", started);
      return stored;
    }));
    consumers.add(Bus.<StorageBus.GetChunk>serve(vertx, StorageBus.chunkGet(nodeId),
        m -> counted(m.hash(), () -> heapCopy(m.hash()))));
    consumers.add(Bus.<StorageBus.ReadChunk>serve(vertx, StorageBus.chunkRead(nodeId),
        m -> counted(m.hash(), () -> new StorageBus.ChunkRead(views.open(m.hash())))));
    return Future.succeededFuture();
  }

  private StorageBus.ChunkBytes heapCopy(String hash) throws Exception {
    ChunkStore.Slice slice = chunks.slice(hash);
    return new StorageBus.ChunkBytes(slice.array(), slice.offset(), slice.length());
  }

  /** A chunk read, timed, and recorded when it found the chunk corrupt. */
  private <T> T counted(String hash, java.util.concurrent.Callable<T> read) throws Exception {
    long started = System.nanoTime();
    try {
      return read.call();
    } catch (CairnException e) {
      if (e.code() == ErrorCode.CHUNK_CORRUPT) {
        recordCorrupt(hash);
      }
      throw e;
    } finally {
      metrics.record("chunk_get", started);
    }
  }

  /** Counted, logged and put in the audit log, where repair (replication issue) will pick it up. */
  private void recordCorrupt(String hash) {
    metrics.corrupt();
    LoggerFactory.getLogger(ChunkVerticle.class).error("corrupt chunk {} refused on read", hash);
    vertx.eventBus().request(StorageBus.WRITE, new StorageBus.Write(List.of(), List.of(Event.of(EventTypes.CHUNK_CORRUPT,
        Event.Severity.Error, null, null, "read: chunk " + hash + " does not match its hash", null))));
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}

package io.cairn.s3;

import io.cairn.bus.Bus;
import io.cairn.objects.ObjectMeta;
import io.cairn.storage.StorageBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams an object (or a range of it) chunk by chunk, reading the next chunk while the current one
 * is written and awaiting each write, so a slow client holds at most two chunks (mapped, or on the
 * heap when stored compressed). The first chunk is fetched before the
 * status line: a corrupt first chunk is a clean error; a corrupt later one cuts the connection so
 * the client sees a short body rather than wrong bytes.
 */
final class ObjectDownload {
  private ObjectDownload() {}

  /** A slice of one chunk that the range covers; {@code chunkSize}: the whole chunk's plain size. */
  private record Piece(String hash, int chunkSize, int from, int length) {}

  /**
   * A piece's bytes until released. Releasing frees them (unmaps, or gives the heap room back) once
   * and drops the reference: the download keeps its Reads to the end, not their bytes.
   */
  private static final class Read {
    private Buffer buffer;
    private final Runnable free;

    Read(Buffer buffer, Runnable free) {
      this.buffer = buffer;
      this.free = free;
    }

    Buffer buffer() {
      return buffer;
    }

    void release() {
      if (buffer != null) {
        buffer = null;
        free.run();
      }
    }
  }

  static Future<Void> send(Vertx vertx, HttpServerResponse response, ObjectMeta meta, ByteRange range, String chunkNode,
      Duration timeout, ChunkBuffers heap, Runnable writeHeaders) {
    long start = range == null ? 0 : range.start();
    long end = range == null ? meta.size() - 1 : range.endInclusive();
    List<Piece> pieces = new ArrayList<>();
    long offset = 0;
    for (ObjectMeta.ChunkRef c : meta.chunks()) {
      long chunkEnd = offset + c.size() - 1;
      if (chunkEnd >= start && offset <= end) {
        int from = (int) Math.max(0, start - offset);
        int to = (int) Math.min(c.size() - 1, end - offset);
        pieces.add(new Piece(c.hash(), c.size(), from, to - from + 1));
      }
      offset += c.size();
    }
    if (pieces.isEmpty()) {
      writeHeaders.run();
      return response.end();
    }
    List<Future<Read>> fetched = new ArrayList<>();
    fetched.add(fetch(vertx, chunkNode, pieces.get(0), timeout, heap));
    Future<Void> sent = fetched.get(0).compose(first -> {
      writeHeaders.run();
      Future<Void> chain = Future.succeededFuture();
      for (int i = 0; i < pieces.size(); i++) {
        int index = i;
        chain = chain.compose(v -> {
          if (index + 1 < pieces.size()) { // read the next chunk while this one goes out
            fetched.add(fetch(vertx, chunkNode, pieces.get(index + 1), timeout, heap));
          }
          return fetched.get(index);
        }).compose(read -> response.write(read.buffer()).andThen(written -> read.release()));
      }
      return chain.compose(v -> response.end()).onFailure(e -> response.reset());
    });
    // whatever happened, no mapped chunk stays mapped: one read but never written is released here
    return sent.andThen(done -> fetched.forEach(f -> f.onSuccess(Read::release)));
  }

  /**
   * Wraps the chunk's bytes rather than copying them: a mapped chunk's pages go from the page cache
   * to the socket, and are unmapped once written; a compressed one is read onto the heap only once
   * the front end's chunk budget has room for it, which it gets back once written.
   */
  private static Future<Read> fetch(Vertx vertx, String node, Piece p, Duration timeout, ChunkBuffers heap) {
    return Bus.<StorageBus.ChunkRead>request(vertx, StorageBus.chunkRead(node), new StorageBus.ReadChunk(p.hash()),
        timeout, null).compose(c -> {
          if (c.view() != null) {
            java.nio.ByteBuffer bytes = c.view().bytes().slice(p.from(), p.length());
            return Future.succeededFuture(new Read(BufferInternal.buffer(Unpooled.wrappedBuffer(bytes)),
                c.view()::release));
          }
          return heap.reserve(p.chunkSize())
              .compose(room -> Bus.<StorageBus.ChunkBytes>request(vertx, StorageBus.chunkGet(node),
                  new StorageBus.GetChunk(p.hash()), timeout, null).onFailure(e -> heap.release(p.chunkSize())))
              .map(b -> new Read(BufferInternal.buffer(Unpooled.wrappedBuffer(b.bytes(), b.offset() + p.from(),
                  p.length())), () -> heap.release(p.chunkSize())));
        });
  }
}

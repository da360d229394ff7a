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

  /** A slice of one chunk that the range covers. */
  private record Piece(String hash, int from, int length) {
    /** The slice's bytes, and what frees them once written (release may run more than once). */
    record Read(Buffer buffer, Runnable release) {}
  }

  static Future<Void> send(Vertx vertx, HttpServerResponse response, ObjectMeta meta, ByteRange range, String chunkNode,
      Duration timeout, Runnable writeHeaders) {
    long start = range == null ? 0 : range.start();
    long end = range == null ? meta.size() - 1 : range.endInclusive();
    List<Piece> pieces = new ArrayList<>();
    long offset = 0;
    for (ObjectMeta.ChunkRef c : meta.chunks()) {
      long chunkEnd = offset + c.size() - 1;
      if (chunkEnd >= start && offset <= end) {
        int from = (int) Math.max(0, start - offset);
        int to = (int) Math.min(c.size() - 1, end - offset);
        pieces.add(new Piece(c.hash(), from, to - from + 1));
      }
      offset += c.size();
    }
    if (pieces.isEmpty()) {
      writeHeaders.run();
      return response.end();
    }
    List<Future<Piece.Read>> fetched = new ArrayList<>();
    fetched.add(fetch(vertx, chunkNode, pieces.get(0), timeout));
    Future<Void> sent = fetched.get(0).compose(first -> {
      writeHeaders.run();
      Future<Void> chain = Future.succeededFuture();
      for (int i = 0; i < pieces.size(); i++) {
        int index = i;
        chain = chain.compose(v -> {
          if (index + 1 < pieces.size()) { // read the next chunk while this one goes out
            fetched.add(fetch(vertx, chunkNode, pieces.get(index + 1), timeout));
          }
          return fetched.get(index);
        }).compose(read -> response.write(read.buffer()).andThen(written -> read.release().run()));
      }
      return chain.compose(v -> response.end()).onFailure(e -> response.reset());
    });
    // whatever happened, no mapped chunk stays mapped: one read but never written is released here
    return sent.andThen(done -> fetched.forEach(f -> f.onSuccess(read -> read.release().run())));
  }

  /**
   * Wraps the chunk's bytes rather than copying them: a mapped chunk's pages go from the page cache
   * to the socket, and are unmapped once written ({@code release}); a compressed one's plain bytes
   * as they are.
   */
  private static Future<Piece.Read> fetch(Vertx vertx, String node, Piece p, Duration timeout) {
    return Bus.<StorageBus.ChunkRead>request(vertx, StorageBus.chunkRead(node), new StorageBus.ReadChunk(p.hash()),
        timeout, null).map(c -> {
          if (c.view() != null) {
            java.nio.ByteBuffer bytes = c.view().bytes().slice(p.from(), p.length());
            return new Piece.Read(BufferInternal.buffer(Unpooled.wrappedBuffer(bytes)), c.view()::release);
          }
          return new Piece.Read(BufferInternal.buffer(Unpooled.wrappedBuffer(c.heap().bytes(),
              c.heap().offset() + p.from(), p.length())), () -> { });
        });
  }
}

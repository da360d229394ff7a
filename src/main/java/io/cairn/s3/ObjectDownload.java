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
 * is written and awaiting each write, so a slow client holds at most two chunks in memory. The first chunk is fetched before the
 * status line: a corrupt first chunk is a clean error; a corrupt later one cuts the connection so
 * the client sees a short body rather than wrong bytes.
 */
final class ObjectDownload {
  private ObjectDownload() {}

  /** A slice of one chunk that the range covers. */
  private record Piece(String hash, int from, int length) {}

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
    List<Future<Buffer>> fetched = new ArrayList<>();
    fetched.add(fetch(vertx, chunkNode, pieces.get(0), timeout));
    return fetched.get(0).compose(first -> {
      writeHeaders.run();
      Future<Void> chain = Future.succeededFuture();
      for (int i = 0; i < pieces.size(); i++) {
        int index = i;
        chain = chain.compose(v -> {
          if (index + 1 < pieces.size()) { // read the next chunk while this one goes out
            fetched.add(fetch(vertx, chunkNode, pieces.get(index + 1), timeout));
          }
          return fetched.get(index);
        }).compose(response::write);
      }
      return chain.compose(v -> response.end()).onFailure(e -> response.reset());
    });
  }

  /** Wraps the chunk's bytes rather than copying them: the slice is all the response needs. */
  private static Future<Buffer> fetch(Vertx vertx, String node, Piece p, Duration timeout) {
    return Bus.<StorageBus.ChunkBytes>request(vertx, StorageBus.chunkGet(node), new StorageBus.GetChunk(p.hash()),
        timeout, null).map(c -> BufferInternal.buffer(Unpooled.wrappedBuffer(c.bytes(), c.offset() + p.from(),
        p.length())));
  }
}

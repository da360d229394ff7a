package io.cairn.s3;

import io.cairn.bus.Bus;
import io.cairn.objects.ObjectMeta;
import io.cairn.storage.StorageBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams an object (or a range of it) chunk by chunk, each write awaited before the next chunk is
 * read, so a slow client holds at most one chunk in memory. The first chunk is fetched before the
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
    return fetch(vertx, chunkNode, pieces.get(0), timeout).compose(first -> {
      writeHeaders.run();
      Future<Void> chain = response.write(first);
      for (int i = 1; i < pieces.size(); i++) {
        Piece p = pieces.get(i);
        chain = chain.compose(v -> fetch(vertx, chunkNode, p, timeout)).compose(response::write);
      }
      return chain.compose(v -> response.end()).onFailure(e -> response.reset());
    });
  }

  private static Future<Buffer> fetch(Vertx vertx, String node, Piece p, Duration timeout) {
    return Bus.<StorageBus.ChunkBytes>request(vertx, StorageBus.chunkGet(node), new StorageBus.GetChunk(p.hash()),
        timeout, null).map(c -> Buffer.buffer(c.bytes()).getBuffer(p.from(), p.from() + p.length()));
  }
}

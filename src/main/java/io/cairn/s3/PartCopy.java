package io.cairn.s3;

import io.cairn.bus.Bus;
import io.cairn.objects.ChunkPlacement;
import io.cairn.objects.ChunkStore;
import io.cairn.objects.ObjectMeta;
import io.cairn.storage.StorageBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * UploadPartCopy's bytes: the whole of a single-part source shares its chunks (its ETag is already
 * the part's MD5); a byte range, or a multipart source, is read chunk by chunk and written as new
 * chunks while its MD5 is computed, one source chunk and one new chunk in memory at a time, both
 * counted in the front end's chunk budget.
 */
final class PartCopy {
  /** The copied part: its chunks, size and MD5 (hex, the part's ETag). */
  record Copied(List<ObjectMeta.ChunkRef> chunks, long size, String md5Hex) {}

  private final Vertx vertx;
  private final ChunkPlacement placement;
  private final ChunkBuffers heap;
  private final Duration timeout;

  PartCopy(Vertx vertx, ChunkPlacement placement, ChunkBuffers heap, Duration timeout) {
    this.vertx = vertx;
    this.placement = placement;
    this.heap = heap;
    this.timeout = timeout;
  }

  Future<Copied> copy(ObjectMeta source, ByteRange range) {
    boolean whole = range == null || (range.start() == 0 && range.endInclusive() == source.size() - 1);
    if (whole && !source.etag().contains("-")) {
      return Future.succeededFuture(new Copied(source.chunks(), source.size(), source.etag()));
    }
    long start = range == null ? 0 : range.start();
    long end = range == null ? source.size() - 1 : range.endInclusive();
    Writer writer = new Writer(end - start + 1);
    // room for one source chunk and one new chunk, taken once for the whole copy: a copy that held
    // one and waited for the other could wait forever on copies doing the same
    int room = source.chunks().stream().mapToInt(ObjectMeta.ChunkRef::size).max().orElse(0)
        + (int) Math.min(heap.chunkSize(), end - start + 1);
    Future<Void> reservation = heap.reserve(room);
    Future<Void> chain = reservation;
    long at = 0;
    for (ObjectMeta.ChunkRef c : source.chunks()) {
      long chunkStart = at;
      long chunkEnd = at + c.size() - 1;
      at += c.size();
      if (chunkEnd < start || chunkStart > end) {
        continue;
      }
      int from = (int) Math.max(0, start - chunkStart);
      int to = (int) (Math.min(end, chunkEnd) - chunkStart + 1);
      chain = chain.compose(v -> Bus.<StorageBus.ChunkBytes>request(vertx,
              StorageBus.chunkGet(placement.nodesFor(c.hash()).get(0)), new StorageBus.GetChunk(c.hash()), timeout, null))
          .compose(bytes -> writer.add(bytes.bytes(), bytes.offset() + from, bytes.offset() + to));
    }
    return chain.compose(v -> writer.finish())
        .andThen(done -> reservation.onSuccess(v -> heap.release(room)));
  }

  /** Fills chunks from the copied slices (arrays from the chunk budget) and stores each when full. */
  private final class Writer {
    private final MessageDigest md5 = ChunkStore.digest("MD5");
    private final List<ObjectMeta.ChunkRef> chunks = new ArrayList<>();
    private final long total;
    private byte[] filling;
    private int filled;
    private long size;

    Writer(long total) {
      this.total = total;
    }

    /**
     * Copies {@code data[from, to)} in, storing each chunk that fills before going on, so chunks
     * keep the byte order and one new chunk is in memory at a time (in the copy's reserved room).
     */
    Future<Void> add(byte[] data, int from, int to) {
      int i = from;
      while (i < to) {
        if (filling == null) {
          filling = new byte[(int) Math.min(heap.chunkSize(), total - size)];
        }
        int n = Math.min(filling.length - filled, to - i);
        System.arraycopy(data, i, filling, filled, n);
        md5.update(data, i, n);
        filled += n;
        size += n;
        i += n;
        if (filled == filling.length) {
          int next = i;
          return storeFilling().compose(v -> add(data, next, to));
        }
      }
      return Future.succeededFuture();
    }

    private Future<Void> storeFilling() {
      byte[] bytes = filling;
      int length = filled;
      filling = null;
      filled = 0;
      return Bus.<ChunkStore.Stored>request(vertx, StorageBus.chunkPut(placement.uploadNode()),
              new StorageBus.PutChunk(bytes, length), timeout, null)
          .map(stored -> {
            chunks.add(new ObjectMeta.ChunkRef(stored.hash(), stored.size()));
            return null;
          });
    }

    Future<Copied> finish() {
      Future<Void> last = filled > 0 ? storeFilling() : Future.succeededFuture();
      return last.map(v -> new Copied(List.copyOf(chunks), size, HexFormat.of().formatHex(md5.digest())));
    }
  }
}

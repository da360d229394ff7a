package io.cairn.s3;

import io.cairn.bus.Bus;
import io.cairn.objects.ChunkStore;
import io.cairn.objects.ObjectMeta;
import io.cairn.storage.StorageBus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Receives a request body as chunks and pipelines them: while one chunk is hashed and written by a
 * chunk worker, the next is read from the socket, and the object's MD5 (its ETag) and the optional
 * SHA-256 check are updated in upload order on a chain of blocking steps beside the writes. At most
 * {@link #MAX_IN_FLIGHT} chunks per upload are in flight (hashed and written, or on their way; the
 * request is paused otherwise), and arrays come from the front end's {@link ChunkBuffers} budget
 * (paused too while it is spent), so memory stays a few chunks per upload whatever the object's
 * size, and bounded over all uploads. Digests are checked at the end,
 * before anything is committed: a bad body leaves only unreferenced chunks, which chunk GC removes.
 */
final class ObjectUpload {
  private static final int MAX_IN_FLIGHT = 2;
  private final Vertx vertx;
  private final HttpServerRequest request;
  private final String chunkNode;
  private final ChunkBuffers buffers;
  /** The body's length as declared (Content-Length, or x-amz-decoded-content-length), -1 if unknown. */
  private final long declared;
  /** Body bytes taken so far. */
  private long received;
  private final Duration timeout;
  private final MessageDigest md5 = digest("MD5");
  private final MessageDigest sha256;
  /** Chunk i's store reply, in upload order. */
  private final List<Future<ChunkStore.Stored>> stored = new ArrayList<>();
  private final Promise<Result> done = Promise.promise();
  /** Completes when every chunk so far has gone through the digests, in order. */
  private Future<Void> digested = Future.succeededFuture();
  private byte[] filling;
  private int filled;
  /** Chunks sent and not yet both hashed and written: each holds its array. */
  private int inFlight;
  private boolean ended;
  private boolean paused;
  /** Body bytes that arrived while this upload waited for an array (the request is paused meanwhile). */
  private Buffer waitingData;

  /**
   * What was received: the chunk list, size, the hex MD5 (the single-part ETag), and the checked
   * whole-object checksum by its header name (empty when none was asked for).
   */
  record Result(List<ObjectMeta.ChunkRef> chunks, long size, String md5Hex, java.util.Map<String, String> checksums) {}

  private ChecksumAlgorithm.Hasher checksum;

  private AwsChunkedDecoder decoder;

  private ObjectUpload(Vertx vertx, HttpServerRequest request, String chunkNode, ChunkBuffers buffers, long declared,
      Duration timeout, boolean checkSha256) {
    this.vertx = vertx;
    this.request = request;
    this.chunkNode = chunkNode;
    this.buffers = buffers;
    this.declared = declared;
    this.timeout = timeout;
    this.sha256 = checkSha256 ? digest("SHA-256") : null;
  }

  /**
   * Reads the whole body. {@code payloadHash} is x-amz-content-sha256 (a hex digest to verify, or
   * UNSIGNED-PAYLOAD); {@code contentMd5} is the Content-MD5 header or null.
   */
  static Future<Result> receive(Vertx vertx, HttpServerRequest request, String chunkNode, ChunkBuffers buffers,
      Duration timeout, String payloadHash, String contentMd5, AwsChunkedDecoder decoder,
      S3Bodies.RequestedChecksum requested) {
    boolean hexHash = payloadHash != null && payloadHash.matches("[0-9a-f]{64}");
    long declared = declaredLength(request.getHeader(decoder != null ? "x-amz-decoded-content-length" : "Content-Length"));
    ObjectUpload upload = new ObjectUpload(vertx, request, chunkNode, buffers, declared, timeout, hexHash);
    upload.decoder = decoder;
    upload.checksum = requested == null ? null : requested.algorithm().newHasher();
    request.handler(upload::onData);
    request.exceptionHandler(e -> upload.done.tryFail(e));
    request.endHandler(v -> {
      upload.ended = true;
      if (upload.waitingData == null) {
        upload.flush();
      } // else the flush follows once the waiting data has its array
    });
    // an upload that fails holds no array: the one it was filling goes back at once
    upload.done.future().onFailure(e -> upload.dropFilling());
    request.resume();
    return upload.done.future().compose(r -> {
      if (decoder != null && !decoder.finished()) {
        return Future.failedFuture(new S3Exception(400, "IncompleteBody", "the aws-chunked body ended early"));
      }
      String decodedLength = request.getHeader("x-amz-decoded-content-length");
      if (decoder != null && decodedLength != null && !decodedLength.equals(Long.toString(r.size()))) {
        return Future.failedFuture(new S3Exception(400, "IncompleteBody",
            "x-amz-decoded-content-length says " + decodedLength + " bytes, the body had " + r.size()));
      }
      if (hexHash && !HexFormat.of().formatHex(upload.sha256.digest()).equals(payloadHash)) {
        return Future.failedFuture(new S3Exception(400, "XAmzContentSHA256Mismatch",
            "the body does not match x-amz-content-sha256"));
      }
      if (contentMd5 != null && !contentMd5.equals(Base64.getEncoder().encodeToString(
          HexFormat.of().parseHex(r.md5Hex())))) {
        return Future.failedFuture(new S3Exception(400, "BadDigest", "the body does not match Content-MD5"));
      }
      if (requested == null) {
        return Future.succeededFuture(r);
      }
      String header = requested.algorithm().header();
      String expected = requested.expected() != null ? requested.expected()
          : decoder != null ? decoder.trailers().get(header) : null;
      if (expected == null && request.getHeader("x-amz-trailer") != null) {
        return Future.failedFuture(new S3Exception(400, "InvalidRequest", "the body's trailer has no " + header));
      }
      String computed = Base64.getEncoder().encodeToString(upload.checksum.digest());
      if (expected != null && !expected.equals(computed)) {
        return Future.failedFuture(new S3Exception(400, "BadDigest", "The " + header
            + " you specified did not match the calculated checksum."));
      }
      return Future.succeededFuture(new Result(r.chunks(), r.size(), r.md5Hex(), java.util.Map.of(header, computed)));
    });
  }

  private void onData(Buffer data) {
    if (done.future().isComplete()) {
      return;
    }
    if (decoder != null) {
      try {
        data = decoder.feed(data);
      } catch (S3Exception e) {
        done.tryFail(e);
        return;
      }
    }
    if (waitingData != null) {
      waitingData.appendBuffer(data);
      return;
    }
    consume(data, 0);
  }

  /** Copies body bytes into chunk arrays from {@code at}; keeps the rest when it must wait for an array. */
  private void consume(Buffer data, int at) {
    while (at < data.length()) {
      if (filling == null) {
        // a chunk's array is sized to what the body still declares: a small object needs no full chunk
        Future<byte[]> next = buffers.take(declared < 0 ? -1 : declared - received);
        if (!next.isComplete()) {
          waitingData = data.getBuffer(at, data.length());
          updateFlow();
          next.onSuccess(this::granted); // on this upload's context (ChunkBuffers completes there)
          return;
        }
        filling = next.result();
      }
      int n = Math.min(filling.length - filled, data.length() - at);
      data.getBytes(at, at + n, filling, filled);
      filled += n;
      received += n;
      at += n;
      if (filled == filling.length) {
        send();
      }
    }
  }

  /** The array this upload waited for: go on with the bytes that waited, then with the request. */
  private void granted(byte[] array) {
    if (done.future().isComplete()) {
      buffers.give(array);
      return;
    }
    filling = array;
    Buffer data = waitingData;
    waitingData = null;
    consume(data, 0);
    if (waitingData == null) {
      if (ended) {
        flush();
      }
      updateFlow();
    }
  }

  /** Paused while waiting for an array or while too many chunks are in flight; reading otherwise. */
  private void updateFlow() {
    boolean pause = waitingData != null || (inFlight >= MAX_IN_FLIGHT && !ended);
    if (pause && !paused) {
      paused = true;
      request.pause();
    } else if (!pause && paused && !done.future().isComplete()) {
      paused = false;
      request.resume();
    }
  }

  private void dropFilling() {
    if (filling != null) {
      buffers.give(filling);
      filling = null;
      filled = 0;
    }
  }

  /** A length header's value, or -1 when absent or not a length. */
  private static long declaredLength(String header) {
    if (header == null) {
      return -1;
    }
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The body has ended: send the partial last chunk, then finish once everything has landed. */
  private void flush() {
    if (done.future().isComplete()) {
      return;
    }
    if (filled > 0) {
      send();
    }
    Future.all(new ArrayList<>(stored)).compose(all -> digested).onSuccess(v -> {
      List<ObjectMeta.ChunkRef> chunks = new ArrayList<>();
      long size = 0;
      for (Future<ChunkStore.Stored> f : stored) {
        chunks.add(new ObjectMeta.ChunkRef(f.result().hash(), f.result().size()));
        size += f.result().size();
      }
      done.tryComplete(new Result(List.copyOf(chunks), size, HexFormat.of().formatHex(md5.digest()),
          java.util.Map.of()));
    }).onFailure(done::tryFail);
  }

  private void send() {
    byte[] bytes = filling;
    int length = filled;
    filling = null;
    filled = 0;
    inFlight++;
    updateFlow();
    Future<Void> hashed = digested.compose(v -> vertx.executeBlocking(() -> {
      md5.update(bytes, 0, length);
      if (sha256 != null) {
        sha256.update(bytes, 0, length);
      }
      if (checksum != null) {
        checksum.update(bytes, 0, length);
      }
      return null;
    }, false));
    digested = hashed;
    Future<ChunkStore.Stored> put = Bus.<ChunkStore.Stored>request(vertx, StorageBus.chunkPut(chunkNode),
        new StorageBus.PutChunk(bytes, length), timeout, null);
    stored.add(put);
    put.onFailure(done::tryFail);
    // the array is held until both readers are done; a failed (maybe timed-out, still running) write
    // means it may still be read, so it is not reused
    Future.join(hashed, put).onComplete(both -> {
      inFlight--;
      if (both.succeeded()) {
        buffers.give(bytes);
      } else {
        buffers.forget(bytes);
      }
      updateFlow();
    });
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

}

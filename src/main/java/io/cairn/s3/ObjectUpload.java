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
 * Receives a request body as chunks: each full chunk is sent to the chunk store while the request
 * is paused, so memory stays near one chunk per upload whatever the object's size. Digests are
 * checked at the end, before anything is committed: a bad body leaves only unreferenced chunks,
 * which chunk GC removes.
 */
final class ObjectUpload {
  private final Vertx vertx;
  private final HttpServerRequest request;
  private final String chunkNode;
  private final int chunkSize;
  private final Duration timeout;
  private final MessageDigest md5 = digest("MD5");
  private final MessageDigest sha256;
  private final List<MessageDigest> digests = new ArrayList<>();
  private final List<ObjectMeta.ChunkRef> chunks = new ArrayList<>();
  private final Promise<Result> done = Promise.promise();
  private Buffer pending = Buffer.buffer();
  private boolean inFlight;
  private boolean ended;
  private long size;

  /** What was received: the chunk list, size, and the hex MD5 (the single-part ETag). */
  record Result(List<ObjectMeta.ChunkRef> chunks, long size, String md5Hex) {}

  private AwsChunkedDecoder decoder;

  private ObjectUpload(Vertx vertx, HttpServerRequest request, String chunkNode, int chunkSize, Duration timeout,
      boolean checkSha256) {
    this.vertx = vertx;
    this.request = request;
    this.chunkNode = chunkNode;
    this.chunkSize = chunkSize;
    this.timeout = timeout;
    this.sha256 = checkSha256 ? digest("SHA-256") : null;
    digests.add(md5);
    if (sha256 != null) {
      digests.add(sha256);
    }
  }

  /**
   * Reads the whole body. {@code payloadHash} is x-amz-content-sha256 (a hex digest to verify, or
   * UNSIGNED-PAYLOAD); {@code contentMd5} is the Content-MD5 header or null.
   */
  static Future<Result> receive(Vertx vertx, HttpServerRequest request, String chunkNode, int chunkSize,
      Duration timeout, String payloadHash, String contentMd5, AwsChunkedDecoder decoder) {
    boolean hexHash = payloadHash != null && payloadHash.matches("[0-9a-f]{64}");
    ObjectUpload upload = new ObjectUpload(vertx, request, chunkNode, chunkSize, timeout, hexHash);
    upload.decoder = decoder;
    request.handler(upload::onData);
    request.exceptionHandler(e -> upload.done.tryFail(e));
    request.endHandler(v -> {
      upload.ended = true;
      upload.pump();
    });
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
      return Future.succeededFuture(r);
    });
  }

  private void onData(Buffer data) {
    if (decoder != null) {
      try {
        data = decoder.feed(data);
      } catch (S3Exception e) {
        done.tryFail(e);
        return;
      }
    }
    pending.appendBuffer(data);
    pump();
  }

  private void pump() {
    if (inFlight || done.future().isComplete()) {
      return;
    }
    if (pending.length() >= chunkSize || (ended && pending.length() > 0)) {
      int n = Math.min(chunkSize, pending.length());
      byte[] bytes = pending.getBytes(0, n);
      pending = pending.getBuffer(n, pending.length());
      inFlight = true;
      request.pause();
      Bus.<ChunkStore.Stored>request(vertx, StorageBus.chunkPut(chunkNode),
              new StorageBus.PutChunk(bytes, n, digests), timeout, null)
          .onSuccess(stored -> {
            chunks.add(new ObjectMeta.ChunkRef(stored.hash(), stored.size()));
            size += stored.size();
            inFlight = false;
            if (!ended) {
              request.resume();
            }
            pump();
          })
          .onFailure(done::tryFail);
    } else if (ended) {
      done.tryComplete(new Result(List.copyOf(chunks), size, HexFormat.of().formatHex(md5.digest())));
    }
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

}

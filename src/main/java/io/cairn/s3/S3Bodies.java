package io.cairn.s3;

import io.cairn.objects.ChunkPlacement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Base64;

/** Request bodies: object data streamed into chunks, and small XML documents read whole. */
final class S3Bodies {
  private final Vertx vertx;
  private final ChunkPlacement placement;
  /** Full-chunk arrays kept for reuse between uploads: enough for a few large uploads at once. */
  private static final int IDLE_CHUNK_BUFFERS = 8;
  private final ChunkBuffers buffers;
  private final Duration timeout;

  S3Bodies(Vertx vertx, ChunkPlacement placement, int chunkSize, Duration timeout) {
    this.vertx = vertx;
    this.placement = placement;
    // a quarter of the heap for chunks in flight (128 MiB with bin/cairn's 512 MiB heap)
    this.buffers = new ChunkBuffers(vertx, chunkSize, IDLE_CHUNK_BUFFERS,
        Math.max(2L * chunkSize, Runtime.getRuntime().maxMemory() / 4));
    this.timeout = timeout;
  }

  /** The front end's chunk-memory budget (also for GETs and part copies). */
  ChunkBuffers buffers() {
    return buffers;
  }

  /** Object data (PUT, UploadPart): plain or aws-chunked, checked against the digests the client sent. */
  Future<ObjectUpload.Result> receive(HttpServerRequest req, SigV4.Verified auth) {
    String contentMd5;
    RequestedChecksum checksum;
    try {
      contentMd5 = contentMd5(req);
      checksum = RequestedChecksum.of(req);
    } catch (S3Exception e) {
      return Future.failedFuture(e);
    }
    AwsChunkedDecoder decoder = null;
    if (AwsChunkedDecoder.supports(auth.payloadHash())) {
      decoder = new AwsChunkedDecoder(auth, auth.payloadHash());
    } else if (auth.payloadHash().startsWith("STREAMING-")) {
      return Future.failedFuture(new S3Exception(501, "NotImplemented", auth.payloadHash() + " bodies are not supported"));
    }
    if (checksum != null && checksum.expected() == null && decoder == null
        && req.getHeader("x-amz-trailer") != null) {
      return Future.failedFuture(new S3Exception(400, "InvalidRequest",
          "x-amz-trailer needs an aws-chunked body with a trailer (STREAMING-...-TRAILER)"));
    }
    return ObjectUpload.receive(vertx, req, placement.uploadNode(), buffers, timeout, auth.payloadHash(), contentMd5,
        decoder, checksum);
  }

  /**
   * The whole-object checksum the client asks to have checked: from an x-amz-checksum-* header
   * (value given), or announced by x-amz-trailer / x-amz-sdk-checksum-algorithm (value in the
   * trailer, or only computed and kept). Null: none.
   */
  record RequestedChecksum(ChecksumAlgorithm algorithm, String expected) {
    static RequestedChecksum of(HttpServerRequest req) {
      ChecksumAlgorithm fromHeader = null;
      String value = null;
      for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
        String v = req.getHeader(a.header());
        if (v != null) {
          if (fromHeader != null) {
            throw new S3Exception(400, "InvalidRequest",
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
          }
          fromHeader = a;
          value = v.trim();
        }
      }
      ChecksumAlgorithm fromTrailer = null;
      String trailer = req.getHeader("x-amz-trailer");
      if (trailer != null) {
        fromTrailer = ChecksumAlgorithm.ofHeader(trailer);
        if (fromTrailer == null) {
          throw new S3Exception(400, "InvalidRequest", "x-amz-trailer names no checksum this server knows: " + trailer);
        }
      }
      ChecksumAlgorithm announced = null;
      String sdk = req.getHeader("x-amz-sdk-checksum-algorithm");
      if (sdk != null) {
        announced = ChecksumAlgorithm.named(sdk.trim());
        if (announced == null) {
          throw new S3Exception(400, "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.");
        }
      }
      ChecksumAlgorithm algorithm = fromHeader != null ? fromHeader : fromTrailer != null ? fromTrailer : announced;
      if (algorithm == null) {
        return null;
      }
      if ((fromTrailer != null && fromTrailer != algorithm) || (announced != null && announced != algorithm)) {
        throw new S3Exception(400, "InvalidRequest", "the checksum headers name different algorithms");
      }
      if (value != null && !wellFormed(value, algorithm)) {
        throw new S3Exception(400, "InvalidRequest", "Value for " + algorithm.header() + " header is invalid.");
      }
      return new RequestedChecksum(algorithm, value);
    }

    static boolean wellFormed(String value, ChecksumAlgorithm algorithm) {
      if (value.length() != algorithm.base64Length()) {
        return false;
      }
      try {
        Base64.getDecoder().decode(value);
        return true;
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
  }

  /** Content-MD5 if given: it must be the base64 of 16 bytes (InvalidDigest otherwise; a wrong one is BadDigest later). */
  static String contentMd5(HttpServerRequest req) {
    String md5 = req.getHeader("Content-MD5");
    if (md5 == null) {
      return null;
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(md5.trim());
    } catch (IllegalArgumentException e) {
      raw = null;
    }
    if (raw == null || raw.length != 16) {
      throw new S3Exception(400, "InvalidDigest", "Content-MD5 is not the base64 of an MD5 digest");
    }
    return md5.trim();
  }

  /** A small XML body, checked against x-amz-content-sha256 (and Content-MD5) when the client sent them. */
  Future<Buffer> verified(HttpServerRequest req, SigV4.Verified auth) {
    String contentMd5;
    try {
      contentMd5 = contentMd5(req);
    } catch (S3Exception e) {
      return Future.failedFuture(e);
    }
    return S3Limits.boundedBody(req).map(body -> {
      String hash = auth.payloadHash();
      if (hash.matches("[0-9a-f]{64}") && !SigV4.hex(SigV4.sha256(body.getBytes())).equals(hash)) {
        throw new S3Exception(400, "XAmzContentSHA256Mismatch", "the body does not match x-amz-content-sha256");
      }
      if (contentMd5 != null && !contentMd5.equals(Base64.getEncoder().encodeToString(md5(body.getBytes())))) {
        throw new S3Exception(400, "BadDigest", "the body does not match Content-MD5");
      }
      return body;
    });
  }

  private static byte[] md5(byte[] data) {
    try {
      return java.security.MessageDigest.getInstance("MD5").digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

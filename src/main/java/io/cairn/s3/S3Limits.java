package io.cairn.s3;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** What the S3 front end refuses before any storage work: oversized keys and bodies, unreadable requests. */
final class S3Limits {
  private static final Pattern IP_ADDRESS = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  /** S3's limit on a key, in UTF-8 bytes. */
  static final int MAX_KEY_BYTES = 1024;
  /** The largest XML request body read (CompleteMultipartUpload with 10,000 parts fits). */
  static final int MAX_XML_BYTES = 2 << 20;

  private S3Limits() {}

  /** S3 refuses bucket names formatted as an IP address. */
  static boolean isIpAddress(String bucket) {
    return IP_ADDRESS.matcher(bucket).matches();
  }

  /**
   * Keys S3 would refuse, and keys no XML listing could carry: control characters have no form in
   * XML 1.0 (not even as character references), so they are refused when written.
   */
  static void checkKey(String key) {
    if (key == null) {
      return;
    }
    if (key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw new S3Exception(400, "KeyTooLongError", "object keys are at most " + MAX_KEY_BYTES + " bytes of UTF-8");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c == 0x7f || c == 0xfffe || c == 0xffff) {
        throw S3Exception.invalidArgument("object keys must not contain control characters (found U+"
            + String.format("%04X", (int) c) + " at " + i + ")");
      }
    }
  }

  /** Reads an XML body of at most {@link #MAX_XML_BYTES}; a larger one fails as soon as it shows. */
  static Future<io.vertx.core.buffer.Buffer> boundedBody(HttpServerRequest req) {
    String length = req.getHeader("Content-Length");
    S3Exception tooLarge = new S3Exception(400, "MalformedXML", "the XML body is larger than " + MAX_XML_BYTES + " bytes");
    try {
      if (length != null && Long.parseLong(length.trim()) > MAX_XML_BYTES) {
        return Future.failedFuture(tooLarge);
      }
    } catch (NumberFormatException e) {
      return Future.failedFuture(S3Exception.invalidArgument("Content-Length is not a number"));
    }
    io.vertx.core.Promise<io.vertx.core.buffer.Buffer> body = io.vertx.core.Promise.promise();
    io.vertx.core.buffer.Buffer collected = io.vertx.core.buffer.Buffer.buffer();
    req.handler(chunk -> {
      if (collected.length() + chunk.length() > MAX_XML_BYTES) {
        req.handler(null);
        body.tryFail(tooLarge);
      } else {
        collected.appendBuffer(chunk);
      }
    });
    req.exceptionHandler(body::tryFail);
    req.endHandler(v -> body.tryComplete(collected));
    req.resume();
    return body.future();
  }

  /** Requests the HTTP decoder could not read still get an S3 error document, then the connection closes. */
  static void invalidRequest(HttpServerRequest req) {
    Throwable cause = req.decoderResult() == null ? null : req.decoderResult().cause();
    S3Exception e = cause instanceof io.netty.handler.codec.http.TooLongHttpLineException
        ? new S3Exception(414, "InvalidURI", "the request line (URL) is longer than this server accepts")
        : cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException
            ? new S3Exception(431, "RequestHeaderSectionTooLarge", "the request headers are larger than this server accepts")
            : new S3Exception(400, "BadRequest", "the request is not valid HTTP");
    String requestId = Long.toHexString(ThreadLocalRandom.current().nextLong()).toUpperCase(Locale.ROOT);
    req.response().setStatusCode(e.status()).putHeader("Content-Type", "application/xml")
        .putHeader("Connection", "close").putHeader("x-amz-request-id", requestId)
        .end(S3Xml.error(e.code(), e.getMessage(), "/", requestId));
  }
}

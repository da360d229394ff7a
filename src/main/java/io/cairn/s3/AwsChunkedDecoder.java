package io.cairn.s3;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Decodes an {@code aws-chunked} body. Three framings, named by x-amz-content-sha256:
 * <ul>
 *   <li>{@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD}: frames {@code <hex size>;chunk-signature=<sig>\r\n<data>\r\n},
 *   ending with a zero-size frame; each signature chains from the previous one (the first from the
 *   request's) and is checked before the frame's bytes are passed on, so no unsigned byte is stored.</li>
 *   <li>{@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER}: the same, then trailer headers (the
 *   checksum) and {@code x-amz-trailer-signature}, chained from the last frame's.</li>
 *   <li>{@code STREAMING-UNSIGNED-PAYLOAD-TRAILER}: frames {@code <hex size>\r\n<data>\r\n} without
 *   signatures (the request itself is signed), then trailer headers.</li>
 * </ul>
 */
final class AwsChunkedDecoder {
  static final String SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
  static final String SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
  static final String UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
  private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final int MAX_LINE = 256;
  private static final int MAX_TRAILERS = 8;

  private final SigV4.Verified auth;
  private final boolean signed;
  private final boolean trailer;
  private String previousSignature;
  private final StringBuilder line = new StringBuilder();
  private final MessageDigest frameHash = digest();
  private Buffer frame = Buffer.buffer();
  private long remaining = -1; // -1: reading a frame header
  private String frameSignature;
  private int trailingCrLf;
  private boolean inTrailer;
  private boolean finished;
  private final Map<String, String> trailers = new LinkedHashMap<>();
  private final StringBuilder canonicalTrailer = new StringBuilder();

  /** {@code framing}: one of the three x-amz-content-sha256 values above. */
  AwsChunkedDecoder(SigV4.Verified auth, String framing) {
    this.auth = auth;
    this.signed = !framing.equals(UNSIGNED_TRAILER);
    this.trailer = !framing.equals(SIGNED);
    this.previousSignature = auth.seedSignature();
  }

  static boolean supports(String framing) {
    return framing.equals(SIGNED) || framing.equals(SIGNED_TRAILER) || framing.equals(UNSIGNED_TRAILER);
  }

  boolean finished() {
    return finished;
  }

  /** The trailer headers received (lower-case names), once {@link #finished()}. */
  Map<String, String> trailers() {
    return trailers;
  }

  /** Returns the payload bytes this input completes (possibly none), verified where signed. */
  Buffer feed(Buffer input) {
    Buffer out = Buffer.buffer();
    int i = 0;
    while (i < input.length()) {
      if (trailingCrLf > 0) {
        byte b = input.getByte(i++);
        if (b != (trailingCrLf == 2 ? '\r' : '\n')) {
          throw malformed();
        }
        trailingCrLf--;
        continue;
      }
      if (finished) {
        throw new S3Exception(400, "IncompleteBody", "data after the end of the aws-chunked body");
      }
      if (remaining < 0) {
        char c = (char) input.getByte(i++);
        line.append(c);
        if (line.length() > MAX_LINE) {
          throw malformed();
        }
        if (line.length() >= 2 && line.charAt(line.length() - 2) == '\r' && c == '\n') {
          String text = line.substring(0, line.length() - 2);
          line.setLength(0);
          if (inTrailer) {
            trailerLine(text);
          } else {
            startFrame(text);
            if (remaining == 0) {
              out.appendBuffer(endFrame());
            }
          }
        }
        continue;
      }
      int n = (int) Math.min(remaining, input.length() - i);
      Buffer slice = input.getBuffer(i, i + n);
      if (signed) {
        frameHash.update(slice.getBytes());
      }
      frame.appendBuffer(slice);
      remaining -= n;
      i += n;
      if (remaining == 0) {
        out.appendBuffer(endFrame());
      }
    }
    return out;
  }

  private void startFrame(String text) {
    String size = text;
    if (signed) {
      int semi = text.indexOf(";chunk-signature=");
      if (semi <= 0) {
        throw malformed();
      }
      size = text.substring(0, semi);
      frameSignature = text.substring(semi + ";chunk-signature=".length());
    } else if (text.indexOf(';') > 0) {
      size = text.substring(0, text.indexOf(';')); // chunk extensions carry nothing we use
    }
    try {
      remaining = Long.parseLong(size.trim(), 16);
    } catch (NumberFormatException e) {
      throw malformed();
    }
    if (remaining < 0 || remaining > (64L << 20)) {
      throw malformed();
    }
    frameHash.reset();
    frame = Buffer.buffer();
  }

  private Buffer endFrame() {
    if (signed) {
      String stringToSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + auth.amzDate() + "\n" + auth.scope() + "\n"
          + previousSignature + "\n" + EMPTY_SHA256 + "\n" + SigV4.hex(frameHash.digest());
      check(stringToSign, frameSignature, "an aws-chunked frame signature does not match");
      previousSignature = frameSignature;
    }
    Buffer data = frame;
    remaining = -1;
    if (data.length() > 0) {
      trailingCrLf = 2;
    } else if (trailer) {
      inTrailer = true; // trailer lines follow the last frame's header line, then an empty line
    } else {
      trailingCrLf = 2; // the CRLF closing the body, if the client sends it
      finished = true;
    }
    return data;
  }

  private void trailerLine(String text) {
    if (text.isEmpty()) {
      if (signed && !trailers.containsKey("x-amz-trailer-signature")) {
        throw new S3Exception(403, "SignatureDoesNotMatch", "the aws-chunked trailer is not signed");
      }
      trailers.remove("x-amz-trailer-signature");
      finished = true;
      return;
    }
    int colon = text.indexOf(':');
    if (colon <= 0 || trailers.size() >= MAX_TRAILERS) {
      throw malformed();
    }
    String name = text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
    String value = text.substring(colon + 1).trim();
    if (name.equals("x-amz-trailer-signature")) {
      if (signed) {
        String stringToSign = "AWS4-HMAC-SHA256-TRAILER\n" + auth.amzDate() + "\n" + auth.scope() + "\n"
            + previousSignature + "\n" + SigV4.hex(SigV4.sha256(canonicalTrailer.toString()
                .getBytes(StandardCharsets.UTF_8)));
        check(stringToSign, value, "the aws-chunked trailer signature does not match");
      }
    } else {
      canonicalTrailer.append(name).append(':').append(value).append('\n');
    }
    trailers.put(name, value);
  }

  private void check(String stringToSign, String given, String problem) {
    String expected = SigV4.hex(SigV4.hmac(auth.signingKey(), stringToSign));
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), given.getBytes(StandardCharsets.US_ASCII))) {
      throw new S3Exception(403, "SignatureDoesNotMatch", problem);
    }
  }

  private static S3Exception malformed() {
    return new S3Exception(400, "InvalidRequest", "the aws-chunked body is malformed");
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package io.cairn.s3;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Decodes an {@code aws-chunked} body ({@code STREAMING-AWS4-HMAC-SHA256-PAYLOAD}): frames of
 * {@code <hex size>;chunk-signature=<sig>\r\n<data>\r\n}, ending with a zero-size frame. Each
 * frame's signature chains from the previous one (the first from the request's signature) and is
 * checked before its bytes are passed on, so no unsigned byte is ever stored.
 */
final class AwsChunkedDecoder {
  private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final int MAX_HEADER = 256;

  private final SigV4.Verified auth;
  private String previousSignature;
  private final StringBuilder header = new StringBuilder();
  private final MessageDigest frameHash = digest();
  private Buffer frame = Buffer.buffer();
  private long remaining = -1; // -1: reading a frame header
  private String frameSignature;
  private int trailingCrLf;
  private boolean finished;

  AwsChunkedDecoder(SigV4.Verified auth) {
    this.auth = auth;
    this.previousSignature = auth.seedSignature();
  }

  boolean finished() {
    return finished;
  }

  /** Returns the verified payload bytes this input completes (possibly none). */
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
        throw new S3Exception(400, "IncompleteBody", "data after the final aws-chunked frame");
      }
      if (remaining < 0) {
        char c = (char) input.getByte(i++);
        header.append(c);
        if (header.length() > MAX_HEADER) {
          throw malformed();
        }
        if (header.length() >= 2 && header.charAt(header.length() - 2) == '\r' && c == '\n') {
          startFrame(header.substring(0, header.length() - 2));
          header.setLength(0);
          if (remaining == 0) {
            out.appendBuffer(endFrame());
          }
        }
        continue;
      }
      int n = (int) Math.min(remaining, input.length() - i);
      Buffer slice = input.getBuffer(i, i + n);
      frameHash.update(slice.getBytes());
      frame.appendBuffer(slice);
      remaining -= n;
      i += n;
      if (remaining == 0) {
        out.appendBuffer(endFrame());
      }
    }
    return out;
  }

  private void startFrame(String line) {
    int semi = line.indexOf(";chunk-signature=");
    if (semi <= 0) {
      throw malformed();
    }
    try {
      remaining = Long.parseLong(line.substring(0, semi), 16);
    } catch (NumberFormatException e) {
      throw malformed();
    }
    if (remaining < 0 || remaining > (64L << 20)) {
      throw malformed();
    }
    frameSignature = line.substring(semi + ";chunk-signature=".length());
    frameHash.reset();
    frame = Buffer.buffer();
  }

  private Buffer endFrame() {
    String stringToSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + auth.amzDate() + "\n" + auth.scope() + "\n" + previousSignature
        + "\n" + EMPTY_SHA256 + "\n" + SigV4.hex(frameHash.digest());
    String expected = SigV4.hex(SigV4.hmac(auth.signingKey(), stringToSign));
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
        frameSignature.getBytes(StandardCharsets.US_ASCII))) {
      throw new S3Exception(403, "SignatureDoesNotMatch", "an aws-chunked frame signature does not match");
    }
    previousSignature = frameSignature;
    Buffer data = frame;
    boolean last = data.length() == 0;
    remaining = -1;
    trailingCrLf = 2;
    if (last) {
      finished = true;
    }
    return data;
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

package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Flexible checksums on the wire, as newer SDKs send them: aws-chunked bodies with the checksum in a
 * trailer, unsigned (STREAMING-UNSIGNED-PAYLOAD-TRAILER) and signed (...-PAYLOAD-TRAILER, the
 * trailer signed too), and checksums as plain headers. A mismatch is BadDigest and stores nothing.
 */
@Timeout(60)
class S3ChecksumTrailerTest {
  static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(Map.of(), n -> node = n);

  static String host() {
    return "127.0.0.1:" + node.agent().s3Port();
  }

  static HttpResponse<String> send(String method, String path, Map<String, String> headers, String payloadHash,
      byte[] body) throws Exception {
    Map<String, String> signed = SigV4.sign(method, host(), path, Map.of(), headers, payloadHash,
        TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY, "us-east-1", Instant.now());
    return send(method, path, signed, body);
  }

  static HttpResponse<String> send(String method, String path, Map<String, String> signed, byte[] body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host() + path)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    signed.forEach((k, v) -> {
      if (!k.equalsIgnoreCase("host")) {
        b.header(k, v);
      }
    });
    return TestNode.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String checksum(ChecksumAlgorithm a, byte[] data) {
    ChecksumAlgorithm.Hasher h = a.newHasher();
    h.update(data, 0, data.length);
    return Base64.getEncoder().encodeToString(h.digest());
  }

  /** Unsigned frames of {@code frameSize}, then the trailer lines and the closing empty line. */
  static byte[] unsignedTrailerBody(byte[] data, int frameSize, String trailerName, String trailerValue) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int at = 0; at < data.length; at += frameSize) {
      int n = Math.min(frameSize, data.length - at);
      out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(data, at, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes(("0\r\n" + trailerName + ":" + trailerValue + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  static Map<String, String> trailerHeaders(String trailerName, int decodedLength) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Encoding", "aws-chunked");
    h.put("x-amz-trailer", trailerName);
    h.put("x-amz-decoded-content-length", Integer.toString(decodedLength));
    return h;
  }

  @Test
  void unsignedTrailerWithEachAlgorithmIsCheckedAndReturnedOnRequest() throws Exception {
    assertThat(send("PUT", "/trailers", Map.of(), "UNSIGNED-PAYLOAD", null).statusCode()).isEqualTo(200);
    byte[] data = new byte[150_000];
    new java.util.Random(7).nextBytes(data);
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      String value = checksum(a, data);
      HttpResponse<String> put = send("PUT", "/trailers/" + a, trailerHeaders(a.header(), data.length),
          AwsChunkedDecoder.UNSIGNED_TRAILER, unsignedTrailerBody(data, 65_536, a.header(), value));
      assertThat(put.statusCode()).as(a + ": " + put.body()).isEqualTo(200);
      assertThat(put.headers().firstValue(a.header())).hasValue(value);
      HttpResponse<String> plain = send("HEAD", "/trailers/" + a, Map.of(), "UNSIGNED-PAYLOAD", null);
      assertThat(plain.headers().firstValue(a.header())).as("only when asked").isEmpty();
      assertThat(plain.headers().firstValue("Content-Encoding")).as("aws-chunked is not the object's").isEmpty();
      HttpResponse<String> asked = send("HEAD", "/trailers/" + a, Map.of("x-amz-checksum-mode", "ENABLED"),
          "UNSIGNED-PAYLOAD", null);
      assertThat(asked.headers().firstValue(a.header())).hasValue(value);
      assertThat(asked.headers().firstValue("x-amz-checksum-type")).hasValue("FULL_OBJECT");
    }
    // a trailer that does not match the body: BadDigest, nothing stored
    String wrong = checksum(ChecksumAlgorithm.CRC32, "other".getBytes());
    HttpResponse<String> bad = send("PUT", "/trailers/bad", trailerHeaders("x-amz-checksum-crc32", data.length),
        AwsChunkedDecoder.UNSIGNED_TRAILER, unsignedTrailerBody(data, 65_536, "x-amz-checksum-crc32", wrong));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("<Code>BadDigest</Code>").contains("x-amz-checksum-crc32");
    assertThat(send("HEAD", "/trailers/bad", Map.of(), "UNSIGNED-PAYLOAD", null).statusCode()).isEqualTo(404);
    // a trailer that was announced but never came
    HttpResponse<String> missing = send("PUT", "/trailers/missing", trailerHeaders("x-amz-checksum-crc32", 3),
        AwsChunkedDecoder.UNSIGNED_TRAILER, "3\r\nabc\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(missing.statusCode()).isEqualTo(400);
  }

  @Test
  void signedFramesWithASignedTrailer() throws Exception {
    assertThat(send("PUT", "/signed", Map.of(), "UNSIGNED-PAYLOAD", null).statusCode()).isEqualTo(200);
    byte[] data = "signed frames, then a signed trailer".getBytes(StandardCharsets.UTF_8);
    String crc = checksum(ChecksumAlgorithm.CRC32C, data);
    assertThat(signedTrailerPut("/signed/good", data, "x-amz-checksum-crc32c", crc, false).statusCode()).isEqualTo(200);
    HttpResponse<String> got = send("GET", "/signed/good", Map.of("x-amz-checksum-mode", "ENABLED"), "UNSIGNED-PAYLOAD",
        null);
    assertThat(got.body()).isEqualTo(new String(data, StandardCharsets.UTF_8));
    assertThat(got.headers().firstValue("x-amz-checksum-crc32c")).hasValue(crc);
    HttpResponse<String> forged = signedTrailerPut("/signed/forged", data, "x-amz-checksum-crc32c", crc, true);
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("SignatureDoesNotMatch");
  }

  /** A STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER upload signed as an SDK does; {@code forge}: a bad trailer signature. */
  static HttpResponse<String> signedTrailerPut(String path, byte[] data, String trailerName, String value, boolean forge)
      throws Exception {
    Map<String, String> headers = trailerHeaders(trailerName, data.length);
    Map<String, String> signed = SigV4.sign("PUT", host(), path, Map.of(), headers, AwsChunkedDecoder.SIGNED_TRAILER,
        TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY, "us-east-1", Instant.now());
    String amzDate = signed.get("x-amz-date");
    String scope = amzDate.substring(0, 8) + "/us-east-1/s3/aws4_request";
    byte[] key = SigV4.signingKey(TestNode.SECRET_ACCESS_KEY, amzDate.substring(0, 8), "us-east-1");
    String seed = signed.get("Authorization").replaceAll(".*Signature=", "");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String previous = seed;
    for (byte[] frame : List.of(data, new byte[0])) {
      String signature = SigV4.hex(SigV4.hmac(key, "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n"
          + previous + "\n" + EMPTY_SHA256 + "\n" + SigV4.hex(SigV4.sha256(frame))));
      body.writeBytes((Integer.toHexString(frame.length) + ";chunk-signature=" + signature + "\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      if (frame.length > 0) {
        body.writeBytes(frame);
        body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      previous = signature;
    }
    String trailer = trailerName + ":" + value + "\n";
    String trailerSignature = SigV4.hex(SigV4.hmac(key, "AWS4-HMAC-SHA256-TRAILER\n" + amzDate + "\n" + scope + "\n"
        + previous + "\n" + SigV4.hex(SigV4.sha256(trailer.getBytes(StandardCharsets.US_ASCII)))));
    if (forge) {
      trailerSignature = trailerSignature.replace(trailerSignature.charAt(0), trailerSignature.charAt(0) == 'a' ? 'b' : 'a');
    }
    body.writeBytes((trailerName + ":" + value + "\r\nx-amz-trailer-signature:" + trailerSignature + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    return send("PUT", path, signed, body.toByteArray());
  }

  @Test
  void checksumsAsPlainHeaders() throws Exception {
    assertThat(send("PUT", "/plain", Map.of(), "UNSIGNED-PAYLOAD", null).statusCode()).isEqualTo(200);
    byte[] data = "plain body".getBytes(StandardCharsets.UTF_8);
    String sha = checksum(ChecksumAlgorithm.SHA256, data);
    assertThat(send("PUT", "/plain/ok", Map.of("x-amz-checksum-sha256", sha), "UNSIGNED-PAYLOAD", data).statusCode())
        .isEqualTo(200);
    HttpResponse<String> wrong = send("PUT", "/plain/wrong", Map.of("x-amz-checksum-sha256",
        checksum(ChecksumAlgorithm.SHA256, "x".getBytes())), "UNSIGNED-PAYLOAD", data);
    assertThat(wrong.statusCode()).isEqualTo(400);
    assertThat(wrong.body()).contains("<Code>BadDigest</Code>");
    HttpResponse<String> malformed = send("PUT", "/plain/malformed", Map.of("x-amz-checksum-crc32", "nope"),
        "UNSIGNED-PAYLOAD", data);
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).contains("<Code>InvalidRequest</Code>");
    HttpResponse<String> two = send("PUT", "/plain/two", Map.of("x-amz-checksum-sha256", sha, "x-amz-checksum-crc32",
        checksum(ChecksumAlgorithm.CRC32, data)), "UNSIGNED-PAYLOAD", data);
    assertThat(two.statusCode()).isEqualTo(400);
    assertThat(two.body()).contains("Multiple checksum Types");
  }
}

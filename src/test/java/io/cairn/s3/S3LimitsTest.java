package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the S3 port refuses before any storage work: oversized bodies and keys, bad names, bad presigns. */
@Timeout(60)
class S3LimitsTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(Map.of(), n -> node = n);

  static HttpResponse<String> send(String method, String encodedPath, String decodedPath, byte[] body) throws Exception {
    String host = "127.0.0.1:" + node.agent().s3Port();
    String query = encodedPath.contains("?") ? encodedPath.substring(encodedPath.indexOf('?') + 1) : "";
    Map<String, List<String>> q = new java.util.TreeMap<>();
    for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
      int eq = pair.indexOf('=');
      q.put(eq < 0 ? pair : pair.substring(0, eq), List.of(eq < 0 ? "" : pair.substring(eq + 1)));
    }
    Map<String, String> signed = SigV4.sign(method, host, decodedPath, q, Map.of(), "UNSIGNED-PAYLOAD",
        TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY, "us-east-1", Instant.now());
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + encodedPath)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    signed.forEach((k, v) -> {
      if (!k.equalsIgnoreCase("host")) {
        b.header(k, v);
      }
    });
    return TestNode.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void deleteObjectsTakesAtMostAThousandKeysAndBoundedXml() throws Exception {
    assertThat(send("PUT", "/limits", "/limits", null).statusCode()).isEqualTo(200);
    StringBuilder xml = new StringBuilder("<Delete>");
    for (int i = 0; i < 1001; i++) {
      xml.append("<Object><Key>k").append(i).append("</Key></Object>");
    }
    HttpResponse<String> tooMany = send("POST", "/limits?delete", "/limits", xml.append("</Delete>").toString().getBytes());
    assertThat(tooMany.statusCode()).isEqualTo(400);
    assertThat(tooMany.body()).contains("<Code>MalformedXML</Code>");

    byte[] huge = new byte[3 << 20];
    java.util.Arrays.fill(huge, (byte) ' ');
    HttpResponse<String> tooBig = send("POST", "/limits?delete", "/limits", huge);
    assertThat(tooBig.statusCode()).isEqualTo(400);
    assertThat(tooBig.body()).contains("<Code>MalformedXML</Code>").contains("larger than");
    assertThat(node.get("/health/live").status()).isEqualTo(200);
  }

  @Test
  void keysOverAKilobyteOrWithControlCharactersAreRefused() throws Exception {
    assertThat(send("PUT", "/keys", "/keys", null).statusCode()).isEqualTo(200);
    String longKey = "k".repeat(1025);
    HttpResponse<String> tooLong = send("PUT", "/keys/" + longKey, "/keys/" + longKey, new byte[] {1});
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.body()).contains("<Code>KeyTooLongError</Code>");
    assertThat(send("PUT", "/keys/" + "k".repeat(1024), "/keys/" + "k".repeat(1024), new byte[] {1}).statusCode())
        .isEqualTo(200);

    HttpResponse<String> control = send("PUT", "/keys/a%01b", "/keys/a\u0001b", new byte[] {1});
    assertThat(control.statusCode()).isEqualTo(400);
    assertThat(control.body()).contains("<Code>InvalidArgument</Code>").contains("U+0001");
    HttpResponse<String> listing = send("GET", "/keys", "/keys", null);
    assertThat(listing.statusCode()).isEqualTo(200);
    assertThat(listing.body()).doesNotContain("\u0001");
  }

  @Test
  void bucketNamesShapedLikeAnIpAddressAreRefused() throws Exception {
    HttpResponse<String> ip = send("PUT", "/192.168.10.20", "/192.168.10.20", null);
    assertThat(ip.statusCode()).isEqualTo(400);
    assertThat(ip.body()).contains("<Code>InvalidBucketName</Code>");
  }

  @Test
  void presignedExpiryOutOfRangeIs400AndAnExpiredUrlIs403() throws Exception {
    String base = "http://127.0.0.1:" + node.agent().s3Port() + "/limits/x?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        + "&X-Amz-Credential=" + TestNode.ACCESS_KEY_ID + "%2F20260101%2Fus-east-1%2Fs3%2Faws4_request"
        + "&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
    HttpResponse<String> tooLong = TestNode.http().send(HttpRequest.newBuilder(URI.create(base
        + "&X-Amz-Date=" + SigV4Dates.now() + "&X-Amz-Expires=604801")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.body()).contains("<Code>AuthorizationQueryParametersError</Code>");
    HttpResponse<String> expired = TestNode.http().send(HttpRequest.newBuilder(URI.create(base
        + "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(expired.statusCode()).isEqualTo(403);
    assertThat(expired.body()).contains("<Code>AccessDenied</Code>").contains("Request has expired");
  }

  @Test
  void aPartListedTwiceIsAnOrderProblemNotASizeOne() throws Exception {
    assertThat(send("PUT", "/parts", "/parts", null).statusCode()).isEqualTo(200);
    HttpResponse<String> created = send("POST", "/parts/big?uploads", "/parts/big", null);
    String uploadId = created.body().replaceAll("(?s).*<UploadId>([^<]+)</UploadId>.*", "$1");
    HttpResponse<String> part = send("PUT", "/parts/big?partNumber=1&uploadId=" + uploadId, "/parts/big", new byte[] {1, 2});
    assertThat(part.statusCode()).isEqualTo(200);
    String etag = part.headers().firstValue("ETag").orElseThrow();
    String twice = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag + "</ETag></Part>"
        + "<Part><PartNumber>1</PartNumber><ETag>" + etag + "</ETag></Part></CompleteMultipartUpload>";
    HttpResponse<String> done = send("POST", "/parts/big?uploadId=" + uploadId, "/parts/big", twice.getBytes());
    assertThat(done.statusCode()).isEqualTo(400);
    assertThat(done.body()).contains("<Code>InvalidPartOrder</Code>");
  }

  /** X-Amz-Date for now, as clients format it. */
  static final class SigV4Dates {
    static String now() {
      return java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC)
          .format(Instant.now());
    }
  }
}

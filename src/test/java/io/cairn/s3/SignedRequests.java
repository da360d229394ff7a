package io.cairn.s3;

import io.cairn.testing.TestNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Path-style requests signed with the test node's key (unsigned payload), through the JDK client or a raw socket. */
final class SignedRequests {
  private SignedRequests() {}

  private static Map<String, String> signed(int port, String method, String path) {
    return SigV4.sign(method, "127.0.0.1:" + port, path, Map.of(), Map.of(), "UNSIGNED-PAYLOAD",
        TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY, "us-east-1", Instant.now());
  }

  static <T> HttpResponse<T> send(int port, String method, String path, byte[] body,
      HttpResponse.BodyHandler<T> handler) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    signed(port, method, path).forEach((k, v) -> {
      if (!k.equalsIgnoreCase("host")) {
        b.header(k, v);
      }
    });
    return TestNode.http().send(b.build(), handler);
  }

  /** The request line and headers of a signed request, for a raw socket; {@code contentLength} < 0: none. */
  static byte[] head(int port, String method, String path, long contentLength) {
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
    if (contentLength >= 0) {
      head.append("Content-Length: ").append(contentLength).append("\r\n");
    }
    head.append("Connection: close\r\n");
    signed(port, method, path).forEach((k, v) -> {
      if (!k.equalsIgnoreCase("host")) {
        head.append(k).append(": ").append(v).append("\r\n");
      }
    });
    return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}

package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.bus.Bus;
import io.cairn.storage.StorageBus;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "Expect: 100-continue" over a raw socket, the way curl, botocore and s3cmd upload: a well-signed
 * PUT is told to go ahead before it sends its body (clients otherwise sit out a timeout on every
 * upload), and a badly signed one is refused without the body ever being asked for.
 */
@Timeout(60)
class ExpectContinueTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(Map.of("storage.chunkSize", "64Ki"), n -> node = n);

  @BeforeAll
  static void bucket() throws Exception {
    Bus.request(node.agent().vertx(), StorageBus.BUCKET_CREATE, new StorageBus.BucketAcl("expect", false),
        Duration.ofSeconds(10), null).toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  private static String head(String key, int length, String secret) {
    String host = "127.0.0.1:" + node.agent().s3Port();
    Map<String, String> signed = SigV4.sign("PUT", host, "/expect/" + key, Map.of(), Map.of(), "UNSIGNED-PAYLOAD",
        TestNode.ACCESS_KEY_ID, secret, "us-east-1", Instant.now());
    StringBuilder h = new StringBuilder("PUT /expect/" + key + " HTTP/1.1\r\nHost: " + host + "\r\n");
    signed.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
    return h.append("Content-Length: ").append(length).append("\r\nExpect: 100-continue\r\n\r\n").toString();
  }

  /** One response head (status line and headers). */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (!got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + got);
      }
      got.write(b);
    }
    return got.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void aSignedUploadIsToldToContinueAndItsBodyIsStoredWhole() throws Exception {
    byte[] body = new byte[300_000]; // several chunks at 64 KiB, so the upload pipeline is exercised too
    new Random(11).nextBytes(body);
    try (Socket s = new Socket("127.0.0.1", node.agent().s3Port())) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      out.write(head("continued", body.length, TestNode.SECRET_ACCESS_KEY).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 100 Continue");
      out.write(body);
      out.flush();
      String response = readHead(s.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 200");
      String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
      assertThat(response.toLowerCase()).contains("etag: \"" + md5 + "\"");
    }
  }

  @Test
  void aBadlySignedUploadIsRefusedWithoutAskingForItsBody() throws Exception {
    try (Socket s = new Socket("127.0.0.1", node.agent().s3Port())) {
      s.setSoTimeout(5_000);
      s.getOutputStream().write(head("refused", 1000, "not-the-secret").getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 403");
    }
  }

  @Test
  void withoutTheExpectHeaderNoInterimResponseIsSent() throws Exception {
    try (Socket s = new Socket("127.0.0.1", node.agent().s3Port())) {
      s.setSoTimeout(1_000);
      String h = head("plain", 10, TestNode.SECRET_ACCESS_KEY).replace("Expect: 100-continue\r\n", "");
      s.getOutputStream().write(h.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      assertThatThrownBy(() -> readHead(s.getInputStream())).isInstanceOf(SocketTimeoutException.class);
      s.getOutputStream().write("0123456789".getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      s.setSoTimeout(5_000);
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
    }
  }
}

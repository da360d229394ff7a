package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.TestNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * GETs send stored-plain chunks from their mapped files: a download that stalls holds at most the
 * chunk being written and the one read ahead, and every mapping is gone once the download ends,
 * also when the client goes away halfway.
 */
@Timeout(90)
class ObjectDownloadTest {
  private static final int SIZE = 24 << 20; // six 4 MiB chunks

  @TempDir
  Path dir;

  /** Mappings of this node's chunk files in this (the test's and the node's) process. */
  private static long chunkMappings(Path chunks) throws Exception {
    String prefix = chunks.toRealPath().toString();
    try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
      return lines.filter(l -> l.contains(prefix)).count();
    }
  }

  private static HttpResponse<byte[]> send(int port, String method, String path, byte[] body) throws Exception {
    return SignedRequests.send(port, method, path, body, HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void aStalledDownloadHoldsTwoMappingsAndNoneOutlivesItsConnection() throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("data"), Map.of("storage.compression", "none"))) {
      int port = node.agent().s3Port();
      Path chunks = node.dataDir().resolve("chunks");
      byte[] body = new byte[SIZE];
      new Random(11).nextBytes(body);
      assertThat(send(port, "PUT", "/views", null).statusCode()).isEqualTo(200);
      assertThat(send(port, "PUT", "/views/big", body).statusCode()).isEqualTo(200);
      assertThat(chunkMappings(chunks)).isZero();

      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setReceiveBufferSize(64 << 10);
        OutputStream out = s.getOutputStream();
        out.write(SignedRequests.head(port, "GET", "/views/big", -1));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] some = in.readNBytes(1 << 20); // then read no more: the socket fills, the download stalls
        assertThat(new String(some, 0, 12, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
        await().atMost(Duration.ofSeconds(10)).until(() -> chunkMappings(chunks) > 0);
        Thread.sleep(500);
        assertThat(chunkMappings(chunks)).as("the chunk being written and the one read ahead").isBetween(1L, 2L);
      } // the client goes away halfway
      await().atMost(Duration.ofSeconds(10)).until(() -> chunkMappings(chunks) == 0);

      HttpResponse<byte[]> whole = send(port, "GET", "/views/big", null);
      assertThat(whole.statusCode()).isEqualTo(200);
      assertThat(whole.body()).isEqualTo(body);
      assertThat(chunkMappings(chunks)).as("released after a complete download too").isZero();
    }
  }
}

package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.ChildAgent;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many downloads of an object stored compressed that stop reading cannot take the node's heap: on
 * a node with a 96 MiB heap, 40 clients GET a 24 MiB object whose chunks are stored compressed
 * (each download would hold two decompressed 4 MiB chunks, 320 MiB together) and stop reading
 * after the first bytes. Downloads past the front end's chunk budget wait for room instead of
 * reading chunks onto the heap; the node stays up, and once the clients read on, every download
 * completes intact. (A similar part copy, UploadPartCopy, takes its room from the same budget.)
 */
@Timeout(180)
class DownloadMemoryTest {
  private static final int CLIENTS = 40;

  @TempDir
  Path dir;

  @Test
  void downloadsPastTheChunkBudgetWaitAndAllComplete() throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try (ChildAgent node = ChildAgent.start(dir, List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError",
        "-XX:+UseSerialGC"), Map.of("CAIRN_STORAGE_COMPRESSION", "lz4"))) {
      int port = node.s3Port();
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> SignedRequests.send(port, "PUT", "/budget", null, HttpResponse.BodyHandlers.ofString())
              .statusCode() == 200);
      // text that lz4 packs well but that differs from chunk to chunk (no dedup)
      StringBuilder text = new StringBuilder();
      for (int i = 0; text.length() < 24 << 20; i++) {
        text.append("line ").append(i).append(" of a compressible object\n");
      }
      byte[] body = text.substring(0, 24 << 20).getBytes(StandardCharsets.US_ASCII);
      assertThat(SignedRequests.send(port, "PUT", "/budget/text", body, HttpResponse.BodyHandlers.ofString())
          .statusCode()).isEqualTo(200);

      CountDownLatch go = new CountDownLatch(1);
      AtomicInteger started = new AtomicInteger();
      List<Future<String>> downloads = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        downloads.add(clients.submit(() -> {
          try (Socket s = new Socket("127.0.0.1", port)) {
            s.setReceiveBufferSize(32 << 10);
            s.setSoTimeout(120_000);
            s.getOutputStream().write(SignedRequests.head(port, "GET", "/budget/text", -1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            int c = in.read();
            started.incrementAndGet();
            go.await(); // read nothing more until told
            StringBuilder head = new StringBuilder().append((char) c);
            while (!head.toString().endsWith("\r\n\r\n") && (c = in.read()) >= 0) {
              head.append((char) c);
            }
            // the body compared as it comes: 40 whole copies would not fit this test's heap
            byte[] block = new byte[64 << 10];
            long at = 0;
            for (int n; (n = in.read(block)) > 0; at += n) {
              if (at + n > body.length || Arrays.mismatch(block, 0, n, body, (int) at, (int) at + n) >= 0) {
                return "wrong bytes near offset " + at;
              }
            }
            return head.substring(0, 12) + " " + at;
          }
        }));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> started.get() >= 4 || !node.alive());
      Thread.sleep(3000);
      assertThat(node.alive()).as("the node is still up with every download stalled").isTrue();
      go.countDown();
      for (Future<String> download : downloads) {
        assertThat(download.get(150, TimeUnit.SECONDS)).as("status and bytes received intact")
            .isEqualTo("HTTP/1.1 200 " + body.length);
      }
      assertThat(node.alive()).isTrue();
    } finally {
      clients.shutdownNow();
    }
  }
}

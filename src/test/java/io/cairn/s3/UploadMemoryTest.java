package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.ChildAgent;
import io.cairn.testing.TestNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * Many uploads that stop halfway cannot take the node's heap: on a node with a 96 MiB heap, 40
 * clients each send 8 MiB + 1 byte of a 12 MiB object and pause (each would hold a 4 MiB chunk
 * array; 160 MiB together). Uploads past the front end's buffer budget wait, paused, instead of
 * allocating; the node stays up, and once the clients go on every upload completes intact.
 */
@Timeout(180)
class UploadMemoryTest {
  private static final int CLIENTS = 40;
  private static final int SIZE = 12 << 20;
  private static final int FIRST_PART = (8 << 20) + 1;

  @TempDir
  Path dir;

  @Test
  void uploadsPastTheBufferBudgetWaitAndAllComplete() throws Exception {
    ChildAgent node = ChildAgent.start(dir, List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC"),
        Map.of("CAIRN_STORAGE_COMPRESSION", "none"));
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      int port = node.s3Port();
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> put(port, "/budget", new byte[0]) == 200);

      byte[] body = new byte[SIZE];
      new Random(4).nextBytes(body);
      String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
      CountDownLatch go = new CountDownLatch(1);
      AtomicInteger paused = new AtomicInteger();
      List<Future<String>> replies = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        String path = "/budget/object-" + i;
        replies.add(clients.submit(() -> {
          try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(120_000);
            OutputStream out = s.getOutputStream();
            out.write(SignedRequests.head(port, "PUT", path, SIZE));
            out.write(body, 0, FIRST_PART);
            out.flush();
            paused.incrementAndGet();
            go.await();
            out.write(body, FIRST_PART, SIZE - FIRST_PART);
            out.flush();
            return new String(readHead(s.getInputStream()), StandardCharsets.ISO_8859_1);
          }
        }));
      }
      // some clients got their halves in, the rest are held back by the paused requests
      await().atMost(Duration.ofSeconds(60)).until(() -> paused.get() >= 4 || !node.alive());
      Thread.sleep(2000);
      assertThat(node.alive()).as("the node is still up with every upload stopped halfway").isTrue();
      go.countDown();
      for (Future<String> reply : replies) {
        String head = reply.get(120, TimeUnit.SECONDS);
        assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("etag: \"" + md5 + "\"");
      }
      assertThat(node.alive()).isTrue();
    } finally {
      clients.shutdownNow();
      node.close();
    }
  }

  private static int put(int port, String path, byte[] body) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(SignedRequests.head(port, "PUT", path, body.length));
      s.getOutputStream().write(body);
      String status = new String(readHead(s.getInputStream()), StandardCharsets.ISO_8859_1);
      return Integer.parseInt(status.substring(9, 12));
    }
  }

  /** The status line and headers of the reply. */
  private static byte[] readHead(InputStream in) throws Exception {
    java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      head.write(c);
      byte[] b = head.toByteArray();
      int n = b.length;
      if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
        break;
      }
    }
    return head.toByteArray();
  }
}

package io.cairn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.Manifests;
import io.cairn.testing.TestNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that connect and then dawdle: idle, headers a byte at a time, half a body, or simply
 * too many connections. Each port closes them by its limits (1s here); a slow but live response
 * such as a quiet log follow is not idle and stays open.
 */
@Timeout(120)
public class SlowClientsTest {
  @TempDir
  static Path data;
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(data, Map.of("http.idleTimeout", "1s", "http.requestHeaderTimeout", "1s",
        "http.maxConnections", "6", "s3.idleTimeout", "1s", "s3.requestHeaderTimeout", "1s", "s3.maxConnections", "6"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aConnectionThatSendsNothingIsClosed() throws Exception {
    for (int port : ports()) {
      try (Socket s = connect(port)) {
        assertClosedWithin(s, Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void headersDrippedAByteAtATimeAreCutOff() throws Exception {
    for (int port : ports()) {
      try (Socket s = connect(port)) {
        byte[] request = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
        long started = System.nanoTime();
        boolean cut = false;
        for (byte b : request) {
          try {
            s.getOutputStream().write(b);
            s.getOutputStream().flush();
          } catch (java.io.IOException closed) {
            cut = true;
            break;
          }
          Thread.sleep(200);
        }
        assertThat(cut || readsEnd(s)).as("port " + port + " closed the dripping client").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
      }
    }
  }

  @Test
  void aBodyThatStopsHalfWayIsClosed() throws Exception {
    try (Socket s = connect(node.agent().httpPort())) {
      OutputStream out = s.getOutputStream();
      out.write(("PUT /api/v1/workloads/half HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: 1000\r\n\r\n{\"spec\":").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertClosedWithin(s, Duration.ofSeconds(5));
    }
    try (Socket s = connect(node.agent().s3Port())) {
      OutputStream out = s.getOutputStream();
      out.write(("PUT /bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nabc")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String reply = new String(readUntilClosed(s, Duration.ofSeconds(5)), StandardCharsets.ISO_8859_1);
      assertThat(reply).as("refused or dropped, never kept open").satisfiesAnyOf(
          r -> assertThat(r).isEmpty(), r -> assertThat(r).startsWith("HTTP/1.1 403"));
    }
  }

  @Test
  void connectionsBeyondTheCapAreClosedAtOnceAndTheCountRecovers() throws Exception {
    int port = node.agent().httpPort();
    List<Socket> held = new ArrayList<>();
    try {
      // hold the cap's worth of connections, each with a request in flight (a log follow), so none idles out
      node.apply("capped", Manifests.workload("capped", 1, "sleep", "300"));
      // the test's own pooled HTTP client connection idles out first: then only the scrape is open
      await().atMost(Duration.ofSeconds(10)).until(() -> openConnections(port) == 1);
      for (int i = 0; i < 6; i++) {
        Socket s = connect(port);
        s.getOutputStream().write(("GET /api/v1/workloads/capped/logs?follow=true HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        held.add(s);
      }
      for (Socket s : held) {
        assertThat(readHead(s)).startsWith("HTTP/1.1 200");
      }
      try (Socket extra = connect(port)) {
        extra.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(readUntilClosed(extra, Duration.ofSeconds(5)), StandardCharsets.ISO_8859_1))
            .as("the seventh connection is closed without an answer").isEmpty();
      }
      // quiet follows outlive the idle timeout: a response in flight is not idle
      Thread.sleep(2500);
      for (Socket s : held) {
        s.setSoTimeout(200);
        try {
          assertThat(s.getInputStream().read()).as("follow still open").isNotEqualTo(-1);
        } catch (SocketTimeoutException stillOpen) {
          // nothing to read and not closed: what a quiet follow looks like
        }
      }
    } finally {
      for (Socket s : held) {
        s.close();
      }
      node.delete("/api/v1/workloads/capped");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> node.get("/health/live").status() == 200);
    assertThat(node.get("/metrics").body()).containsPattern("cairn_http_connections_refused_total\\{port=\"http\"} [1-9]")
        .containsPattern("cairn_http_connections_timed_out_total\\{port=\"http\"} [1-9]");
  }

  /** The node's own count of open API connections, asked on a connection that closes after. */
  public static long openConnections(int port) throws Exception {
    String reply = HostileRequestsTest.raw(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("cairn_http_connections\\{port=\"http\"} ([0-9.]+)")
        .matcher(reply);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }

  static int[] ports() {
    return new int[] {node.agent().httpPort(), node.agent().s3Port()};
  }

  static Socket connect(int port) throws Exception {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    return s;
  }

  static void assertClosedWithin(Socket s, Duration limit) throws Exception {
    long started = System.nanoTime();
    readUntilClosed(s, limit.plusSeconds(5));
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(limit);
  }

  static boolean readsEnd(Socket s) throws Exception {
    try {
      readUntilClosed(s, Duration.ofSeconds(5));
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /** Reads until the server closes (end of stream or reset); fails by timeout if it never does. */
  static byte[] readUntilClosed(Socket s, Duration limit) throws Exception {
    s.setSoTimeout((int) limit.toMillis());
    try {
      return s.getInputStream().readAllBytes();
    } catch (java.net.SocketException reset) {
      return new byte[0];
    }
  }

  static String readHead(Socket s) throws Exception {
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    return head.toString();
  }
}

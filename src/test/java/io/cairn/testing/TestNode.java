package io.cairn.testing;

import io.cairn.agent.Agent;
import io.cairn.config.CairnConfig;
import io.cairn.config.ConfigLoader;
import io.cairn.node.NodeIdentity;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Cairn node in this JVM: its own Vert.x, RocksDB in a temp dir, HTTP on a free port.
 * Intervals are short so tests see reconciles and GC within seconds.
 */
public final class TestNode implements AutoCloseable {
  public static final String ACCESS_KEY_ID = "CAIRNTESTKEY00000001";
  public static final String SECRET_ACCESS_KEY = "test/secret/key/for/cairn/tests/only0000";
  private static final HttpClient HTTP = HttpClient.newBuilder()
      // HTTP/1.1 as REST clients speak it; the JDK client's default h2c upgrade made CI flaky (frames mixed with an HTTP/1 body)
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private final Agent agent;
  private final Path dataDir;
  private final String base;

  private TestNode(Agent agent, Path dataDir) {
    this.agent = agent;
    this.dataDir = dataDir;
    this.base = "http://127.0.0.1:" + agent.httpPort();
  }

  public static TestNode start(Path dataDir) {
    return start(dataDir, Map.of());
  }

  /** {@code settings} override the test defaults, by setting path ({@code gc.failedTtl} -> "2s"). */
  public static TestNode start(Path dataDir, Map<String, String> settings) {
    Map<String, String> flags = new HashMap<>();
    flags.put("data.dir", dataDir.toString());
    flags.put("http.port", "0");
    flags.put("s3.port", "0");
    flags.put("s3.accessKeyId", ACCESS_KEY_ID);
    flags.put("s3.secretAccessKey", SECRET_ACCESS_KEY);
    flags.put("reconcile.interval", "1s");
    flags.put("gc.interval", "1s");
    // restart tests use short backoffs; the 1s default floor is tested on its own
    flags.put("reconcile.minRestartBackoff", "100ms");
    flags.put("http.requestTimeout", "10s");
    flags.put("shutdown.gracePeriod", "5s");
    // a 2-core CI machine running Maven spikes past 90% cpu; admission tests set their own thresholds
    flags.put("admission.cpuThreshold", "100");
    flags.putAll(settings);
    try {
      CairnConfig config = ConfigLoader.load(null, Map.of(), flags);
      String id = NodeIdentity.resolve(config.nodeId(), config.dataDir());
      Agent agent = Agent.start(config, id, "test").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      agent.awaitReady().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return new TestNode(agent, dataDir);
    } catch (Exception e) {
      throw new IllegalStateException("test node failed to start", e);
    }
  }

  public Agent agent() {
    return agent;
  }

  public String nodeId() {
    return agent.nodeId();
  }

  public Path dataDir() {
    return dataDir;
  }

  public String url(String path) {
    return base + path;
  }

  public record Reply(int status, String body, java.net.http.HttpHeaders headers) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    /** The error code of a JSON error reply. */
    public String code() {
      return json().getJsonObject("error").getString("code");
    }
  }

  public Reply get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  public Reply delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  public Reply put(String path, String contentType, String body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  public Reply post(String path, String contentType, String body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  public Reply apply(String name, JsonObject manifest) {
    return put("/api/v1/workloads/" + name, "application/json", manifest.encode());
  }

  public JsonObject workload(String name) {
    Reply r = get("/api/v1/workloads/" + name);
    if (r.status() != 200) {
      throw new AssertionError("GET workload " + name + " -> " + r.status() + " " + r.body());
    }
    return r.json();
  }

  public Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.body(), response.headers());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A fresh directory under /tmp that workloads and tasks can write to: they run as another user
   * (nobody, when tests run as root) and cannot enter a test's private temporary directory.
   */
  public static Path sharedDir(String prefix) {
    try {
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "cairn-" + prefix + "-");
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static HttpClient http() {
    return HTTP;
  }

  /** Stops the node the way SIGTERM does; workloads keep running. */
  public void stop() {
    try {
      agent.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("test node failed to stop", e);
    }
  }

  @Override
  public void close() {
    stop();
  }
}

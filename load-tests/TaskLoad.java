// Task load generator for load-tests/tasks.sh. Against the node at BASE:
//  1. throughput: N `true` tasks submitted with C requests in flight; done when the node's
//     cairn_tasks_finished_total reaches the count (so the rate covers submit, queue, spawn, exit, record);
//  2. latency: M times, one at a time, POST an `echo hi` task with follow=true&format=raw (submit and
//     stream in one request, as `cairn task run` does) and time submit -> first output byte.
// and, in the same JVM and run, the bare baselines: `true` spawned and waited for by C threads, and
// `echo hi` spawned -> first byte of its stdout. Prints
// "cairn_tasks_s bare_spawns_s cairn_p50_ms cairn_p99_ms bare_p50_ms bare_p99_ms".
// java -cp target/cairn.jar load-tests/TaskLoad.java BASE N C M
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class TaskLoad {
  static HttpClient http;
  static String host;
  static int port;

  public static void main(String[] a) throws Exception {
    URI base = URI.create(a[0]);
    host = base.getHost();
    port = base.getPort();
    int n = Integer.parseInt(a[1]), c = Integer.parseInt(a[2]), m = Integer.parseInt(a[3]);
    Vertx vertx = Vertx.vertx();
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(c + 2));

    throughput(n / 5, c); // warm-up (JIT on both sides)
    double cairnRate = throughput(n, c);
    double bareRate = bareSpawns(n, c);

    latency(m / 5, new long[m / 5]);
    long[] cairn = new long[m];
    latency(m, cairn);
    long[] bare = new long[m];
    for (int i = 0; i < m; i++) {
      bare[i] = bareFirstByte();
    }
    Arrays.sort(cairn);
    Arrays.sort(bare);
    System.out.printf("%.0f %.0f %.3f %.3f %.3f %.3f%n", cairnRate, bareRate, cairn[m / 2] / 1e6,
        cairn[(int) (m * 0.99)] / 1e6, bare[m / 2] / 1e6, bare[(int) (m * 0.99)] / 1e6);
    vertx.close().await();
  }

  static Future<Buffer> call(HttpMethod method, String path, String body) {
    return http.request(new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(path))
        .compose(req -> (body == null ? req.send() : req.putHeader("Content-Type", "application/json").send(body))
            .compose(resp -> resp.body().map(b -> {
              if (resp.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + " -> " + resp.statusCode() + " " + b);
              }
              return b;
            })));
  }

  static double finished() throws Exception {
    String metrics = call(HttpMethod.GET, "/metrics", null).await().toString();
    Matcher mt = Pattern.compile("(?m)^cairn_tasks_finished_total\\{[^}]*\\} ([0-9.eE+]+)$").matcher(metrics);
    double sum = 0;
    while (mt.find()) {
      sum += Double.parseDouble(mt.group(1));
    }
    return sum;
  }

  static double throughput(int n, int c) throws Exception {
    double before = finished();
    String body = new JsonObject().put("command", new io.vertx.core.json.JsonArray().add("true")).encode();
    AtomicInteger next = new AtomicInteger();
    CompletableFuture<Void> submitted = new CompletableFuture<>();
    AtomicInteger done = new AtomicInteger();
    long started = System.nanoTime();
    Runnable[] issue = new Runnable[1];
    issue[0] = () -> {
      if (next.getAndIncrement() >= n) {
        return;
      }
      call(HttpMethod.POST, "/api/v1/tasks", body).onComplete(ar -> {
        if (ar.failed()) {
          submitted.completeExceptionally(ar.cause());
        } else if (done.incrementAndGet() == n) {
          submitted.complete(null);
        } else {
          issue[0].run();
        }
      });
    };
    for (int i = 0; i < c; i++) {
      issue[0].run();
    }
    submitted.get();
    while (finished() < before + n) {
      Thread.sleep(50); // a scrape costs the node CPU: not too often
    }
    return n / ((System.nanoTime() - started) / 1e9);
  }

  static double bareSpawns(int n, int c) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(c);
    AtomicInteger next = new AtomicInteger();
    long started = System.nanoTime();
    CompletableFuture<?>[] workers = new CompletableFuture<?>[c];
    for (int w = 0; w < c; w++) {
      workers[w] = CompletableFuture.runAsync(() -> {
        while (next.getAndIncrement() < n) {
          try {
            new ProcessBuilder("true").start().waitFor();
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        }
      }, pool);
    }
    CompletableFuture.allOf(workers).get();
    pool.shutdown();
    return n / ((System.nanoTime() - started) / 1e9);
  }

  static void latency(int m, long[] out) throws Exception {
    String body = new JsonObject().put("command", new io.vertx.core.json.JsonArray().add("echo").add("hi")).encode();
    for (int i = 0; i < m; i++) {
      long t0 = System.nanoTime();
      CompletableFuture<Long> first = new CompletableFuture<>();
      http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
              .setURI("/api/v1/tasks?follow=true&format=raw"))
          .compose(req -> req.putHeader("Content-Type", "application/json").send(body))
          .onSuccess(resp -> {
            resp.handler(b -> first.complete(System.nanoTime()));
            resp.endHandler(v -> first.complete(System.nanoTime()));
          })
          .onFailure(first::completeExceptionally);
      out[i] = first.get() - t0;
    }
  }

  static long bareFirstByte() throws Exception {
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder("echo", "hi").start();
    InputStream in = p.getInputStream();
    in.read();
    long t = System.nanoTime() - t0;
    in.readAllBytes();
    p.waitFor();
    return t;
  }
}

// Registry load generator for load-tests/registry-redis.sh: N register (move) then N locate calls
// through RedisRegistry (and so through the resilience component) with C in flight, against the
// redis-server at URL. Prints "register_ops_s locate_ops_s locate_p50_ms locate_p99_ms", the
// latencies measured one call at a time (N/10 calls).
// java -cp target/cairn.jar load-tests/RegistryLoad.java URL N C
import io.cairn.registry.RedisRegistry;
import io.cairn.resilience.Resilience;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

public class RegistryLoad {
  public static void main(String[] a) throws Exception {
    String url = a[0];
    int n = Integer.parseInt(a[1]), c = Integer.parseInt(a[2]);
    Vertx vertx = Vertx.vertx();
    Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(url).setMaxPoolSize(8)
        .setMaxPoolWaiting(c * 2));
    RedisRegistry registry = new RedisRegistry(redis, new Resilience(vertx, new SimpleMeterRegistry(),
        Resilience.Policy.DEFAULT), "redis:bench");
    Duration ttl = Duration.ofMinutes(5);
    run(n / 5, c, i -> registry.register("w-" + i, "node-" + (i % 16), ttl), null); // warm-up
    run(n / 5, c, i -> registry.locate("w-" + i), null);
    double registerRate = run(n, c, i -> registry.register("id-" + i, "node-" + (i % 16), ttl), null);
    double locateRate = run(n, c, i -> registry.locate("id-" + i), null);
    // latency one call at a time: what a caller waiting on one lookup sees, without queueing behind c others
    int m = n / 10;
    long[] latencies = new long[m];
    run(m, 1, i -> registry.locate("id-" + i), latencies);
    Arrays.sort(latencies);
    System.out.printf("%.0f %.0f %.3f %.3f%n", registerRate, locateRate, latencies[m / 2] / 1e6,
        latencies[(int) (m * 0.99)] / 1e6);
    vertx.close().await();
  }

  /** Runs n calls with c in flight; returns calls per second and fills per-call latencies if asked. */
  static double run(int n, int c, IntFunction<Future<?>> call, long[] latencies) throws Exception {
    AtomicInteger next = new AtomicInteger();
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger finished = new AtomicInteger();
    long started = System.nanoTime();
    Runnable[] issue = new Runnable[1];
    issue[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= n) {
        return;
      }
      long t0 = System.nanoTime();
      call.apply(i).onComplete(r -> {
        if (r.failed()) {
          done.completeExceptionally(r.cause());
          return;
        }
        if (latencies != null) {
          latencies[i] = System.nanoTime() - t0;
        }
        if (finished.incrementAndGet() == n) {
          done.complete(null);
        } else {
          issue[0].run();
        }
      });
    };
    for (int k = 0; k < c; k++) {
      issue[0].run();
    }
    done.get();
    return n / ((System.nanoTime() - started) / 1e9);
  }
}

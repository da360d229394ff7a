package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.testing.ClusterNodes;
import io.cairn.testing.Linearizability;
import io.cairn.testing.Linearizability.Kind;
import io.cairn.testing.Linearizability.Op;
import io.cairn.testing.Linearizability.Outcome;
import io.cairn.testing.Manifests;
import io.cairn.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jepsen style: each of a few workloads is a compare-and-set register (its value the label
 * {@code v}); clients read it ({@code ?consistent=true}) and write it conditionally (PUT with the
 * resourceVersion they last saw) through random live nodes while the Raft leader is killed with
 * -9 and restarted, every op recorded with its times and outcome; then each register's history
 * must have a linearization. Values are unique per write, so a resourceVersion names one value and
 * a conditional PUT is cas(value last seen, new value); a 409 is the cas's "not that value".
 */
@Timeout(240)
class ClusterLinearizabilityTest {
  static final int KEYS = 3;
  static final int CLIENTS_PER_KEY = 2;
  static final Duration TRAFFIC = Duration.ofSeconds(30);
  /** Above cluster.writeTimeout (5s): the server answers 503 first when it can. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(7);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // the nodes' logs explain an anomaly
  Path root;

  /** One workload as a register, and its history. */
  record Register(String name, List<Op> history) {
    Register(String name) {
      this(name, Collections.synchronizedList(new ArrayList<>()));
    }
  }

  @Test
  void conditionalUpdatesThroughEveryNodeAreLinearizableWhileTheLeaderIsKilled() throws Exception {
    long began = System.nanoTime();
    try (ClusterNodes cluster = ClusterNodes.start(root, 3, 0, Map.of("cluster.writeTimeout", "5s"))) {
      System.out.printf("cluster formed in %d ms under %s%n", (System.nanoTime() - began) / 1_000_000, root);
      List<Register> registers = new ArrayList<>();
      for (int k = 0; k < KEYS; k++) {
        registers.add(created(cluster, "reg-" + k));
      }
      long deadline = System.nanoTime() + TRAFFIC.toNanos();
      List<Throwable> crashed = Collections.synchronizedList(new ArrayList<>());
      List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
      List<Thread> clients = new ArrayList<>();
      for (int k = 0; k < KEYS; k++) {
        for (int c = 0; c < CLIENTS_PER_KEY; c++) {
          Client client = new Client(cluster, registers.get(k), k * CLIENTS_PER_KEY + c + 1, unexpected);
          clients.add(Thread.ofPlatform().name("client-" + client.process)
              .uncaughtExceptionHandler((t, e) -> crashed.add(e)).start(() -> client.runUntil(deadline)));
        }
      }
      AtomicInteger kills = new AtomicInteger();
      List<Throwable> nemesisFailed = Collections.synchronizedList(new ArrayList<>());
      Thread nemesis = Thread.ofPlatform().name("nemesis").uncaughtExceptionHandler((t, e) -> nemesisFailed.add(e))
          .start(() -> killLeaders(cluster, deadline, kills));
      for (Thread t : clients) {
        t.join(TRAFFIC.plus(REQUEST_TIMEOUT).plusSeconds(30).toMillis());
      }
      nemesis.join(60_000);
      // a client that died may have left a write out of its history, which would read as an anomaly
      assertThat(crashed).as("client threads that died").isEmpty();

      List<String> anomalies = new ArrayList<>();
      Map<String, Long> okWrites = new java.util.TreeMap<>();
      System.out.printf("leader killed %d times in %d s of traffic%n", kills.get(), TRAFFIC.toSeconds());
      for (Register r : registers) {
        List<Op> history = List.copyOf(r.history());
        long started = System.nanoTime();
        Linearizability.Result result = Linearizability.check(null, history);
        System.out.printf("%s: %s; %s, %d states, checked in %d ms%n", r.name(), counts(history), result.verdict(),
            result.statesExplored(), (System.nanoTime() - started) / 1_000_000);
        if (!result.linearizable()) {
          System.out.println(result.explanation());
          anomalies.add(r.name() + ": " + result.explanation());
        }
        okWrites.put(r.name(), history.stream().filter(o -> o.kind() == Kind.CAS && o.outcome() == Outcome.OK).count());
      }
      assertThat(anomalies).as("registers whose history has no linearization").isEmpty();
      assertThat(okWrites).as("successful conditional writes per register (else the test proves little)")
          .allSatisfy((name, writes) -> assertThat(writes).isGreaterThan(20));
      assertThat(nemesisFailed).as("the nemesis: a killed node that did not come back").isEmpty();
      assertThat(kills.get()).as("leader kills").isGreaterThanOrEqualTo(2);
      assertThat(unexpected).as("replies other than 2xx, 404 on a read, 409 CONFLICT or 5xx").isEmpty();
    }
  }

  /** Creates the workload (replicas 0: nothing to run) and returns it with its first write recorded. */
  static Register created(ClusterNodes cluster, String name) {
    Register r = new Register(name);
    String value = name + "-init";
    long invoked = System.nanoTime();
    TestNode.Reply reply = cluster.node(0).put("/api/v1/workloads/" + name, manifest(name, value, null).encode());
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    r.history().add(Op.write(0, value, Outcome.OK, invoked, System.nanoTime(), "create"));
    return r;
  }

  static JsonObject manifest(String name, String value, String resourceVersion) {
    JsonObject m = Manifests.workload(name, 0, "sleep", "1");
    m.getJsonObject("metadata").getJsonObject("labels").put("v", value);
    if (resourceVersion != null) {
      m.getJsonObject("metadata").put("resourceVersion", resourceVersion);
    }
    return m;
  }

  /**
   * Kill -9 the leader every few seconds and restart it. The next kill waits until the restarted
   * node is back in the Raft group (it knows a leader), so a quorum can form again, but not until
   * it caught up: commits may stall meanwhile, which clients see as timeouts.
   */
  static void killLeaders(ClusterNodes cluster, long deadline, AtomicInteger kills) {
    long began = deadline - TRAFFIC.toNanos();
    try {
      while (System.nanoTime() < deadline - Duration.ofSeconds(5).toNanos()) {
        Thread.sleep(3_000); // the fault schedule, not a wait for a condition
        ClusterNodes.Member leader = await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
            .until(cluster::leader, Objects::nonNull);
        leader.kill();
        kills.incrementAndGet();
        System.out.printf("nemesis: killed leader node %d at +%d ms%n", leader.index(),
            (System.nanoTime() - began) / 1_000_000);
        leader.start();
        try {
          await().atMost(Duration.ofSeconds(45)).ignoreExceptions().until(() -> leader.alive()
              && leader.get("/api/v1/cluster").json().getString("leader") != null);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError("node " + leader.index() + " did not rejoin a Raft group with a leader:\n"
              + raftLog(cluster), e);
        }
        System.out.printf("nemesis: node %d back in the Raft group at +%d ms%n", leader.index(),
            (System.nanoTime() - began) / 1_000_000);
      }
    } catch (InterruptedException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** What each node logged about Raft and its own start, for a failure message. */
  static String raftLog(ClusterNodes cluster) {
    StringBuilder out = new StringBuilder();
    for (ClusterNodes.Member m : cluster.members()) {
      m.log().lines().filter(l -> l.contains("raft") || l.contains("Raft") || l.contains("leader")
          || l.contains("node started") || l.contains("caught up") || l.contains("ERROR"))
          .forEach(l -> out.append("  node ").append(m.index()).append(": ").append(l).append('\n'));
    }
    return out.toString();
  }

  static String counts(List<Op> history) {
    StringBuilder out = new StringBuilder();
    for (Kind kind : Kind.values()) {
      out.append(kind.name().toLowerCase()).append(' ');
      for (Outcome outcome : Outcome.values()) {
        out.append(outcome.name().toLowerCase()).append('=')
            .append(history.stream().filter(o -> o.kind() == kind && o.outcome() == outcome).count()).append(' ');
      }
    }
    return out.toString().trim();
  }

  /** A client of one register: reads, and conditional writes from what it last saw. */
  static final class Client {
    final ClusterNodes cluster;
    final Register register;
    final int process;
    final List<String> unexpected;
    /** The value and resourceVersion this client last saw; null: read before writing. */
    String seenValue;
    String seenVersion;
    int writes;

    Client(ClusterNodes cluster, Register register, int process, List<String> unexpected) {
      this.cluster = cluster;
      this.register = register;
      this.process = process;
      this.unexpected = unexpected;
    }

    void runUntil(long deadline) {
      while (System.nanoTime() < deadline) {
        String base = liveNode();
        if (base == null) { // every node down or starting: not in this schedule, but do not spin
          java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
          continue;
        }
        if (seenVersion == null || ThreadLocalRandom.current().nextInt(4) == 0) {
          read(base);
        } else {
          cas(base);
        }
      }
    }

    /** A random node that runs and has an HTTP port; null when none does right now. */
    String liveNode() {
      List<ClusterNodes.Member> live = new ArrayList<>(cluster.members().stream().filter(ClusterNodes.Member::alive)
          .toList());
      Collections.shuffle(live);
      for (ClusterNodes.Member m : live) {
        try {
          return m.base();
        } catch (IllegalStateException starting) {
          // no port yet: try another
        }
      }
      return null;
    }

    void read(String base) {
      String path = "/api/v1/workloads/" + register.name() + "?consistent=true";
      long invoked = System.nanoTime();
      Reply reply = send(HttpRequest.newBuilder(URI.create(base + path)).GET());
      long completed = System.nanoTime();
      String note = base + " " + reply.summary();
      if (reply.status() == 200) {
        JsonObject metadata = reply.body().getJsonObject("metadata");
        seenValue = metadata.getJsonObject("labels").getString("v");
        seenVersion = metadata.getString("resourceVersion");
        record(Op.read(process, seenValue, Outcome.OK, invoked, completed, note + " rv=" + seenVersion));
      } else if (reply.status() == 404) {
        seenVersion = null;
        record(Op.read(process, null, Outcome.OK, invoked, completed, note));
      } else {
        expected(reply.indeterminate(), "GET", reply);
        record(Op.read(process, null, Outcome.INFO, invoked, completed, note));
      }
    }

    void cas(String base) {
      String value = register.name() + "-p" + process + "-" + ++writes;
      String body = manifest(register.name(), value, seenVersion).encode();
      long invoked = System.nanoTime();
      Reply reply = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/workloads/" + register.name()))
          .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)));
      long completed = System.nanoTime();
      String note = base + " rv=" + seenVersion + " " + reply.summary();
      String expectedValue = seenValue;
      seenVersion = null; // read again after a conflict or an unknown outcome, as the 409 says
      if (reply.status() == 200) {
        JsonObject metadata = reply.body().getJsonObject("metadata");
        if (value.equals(metadata.getJsonObject("labels").getString("v"))) { // chain on, as a client would
          seenValue = value;
          seenVersion = metadata.getString("resourceVersion");
        }
        record(Op.cas(process, expectedValue, value, Outcome.OK, invoked, completed, note));
      } else if (reply.status() == 409 && "CONFLICT".equals(reply.code())) {
        record(Op.cas(process, expectedValue, value, Outcome.FAIL, invoked, completed, note));
      } else {
        expected(reply.indeterminate(), "PUT", reply);
        record(Op.cas(process, expectedValue, value, Outcome.INFO, invoked, completed, note));
      }
    }

    void expected(boolean indeterminate, String method, Reply reply) {
      if (!indeterminate) {
        unexpected.add(method + " " + register.name() + ": " + reply.summary());
      }
    }

    void record(Op op) {
      register.history().add(op);
    }

    static Reply send(HttpRequest.Builder request) {
      try {
        HttpResponse<String> r = TestNode.http().send(request.timeout(REQUEST_TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), null);
      } catch (IOException e) { // refused, reset, or timed out: the request may have been applied
        return new Reply(0, null, e.getClass().getSimpleName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** An HTTP reply, or (status 0) the I/O failure that stood for one. */
  record Reply(int status, String text, String failure) {
    JsonObject body() {
      return new JsonObject(text);
    }

    String code() {
      JsonObject error = text == null || !text.startsWith("{") ? null : body().getJsonObject("error");
      return error == null ? null : error.getString("code");
    }

    boolean indeterminate() {
      return status == 0 || status >= 500;
    }

    String summary() {
      if (status == 0) {
        return failure;
      }
      if (status < 300) {
        return Integer.toString(status);
      }
      JsonObject error = text.startsWith("{") ? body().getJsonObject("error") : null;
      return status + (error == null ? "" : " " + error.getString("code") + " " + error.getString("message"));
    }
  }
}

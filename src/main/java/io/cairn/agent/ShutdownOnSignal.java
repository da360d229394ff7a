package io.cairn.agent;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT drain the node and exit 0 (the JVM's default would exit 143 without draining).
 * A second signal, or a drain that overruns the grace period, exits at once.
 */
final class ShutdownOnSignal {
  private static final Logger LOG = LoggerFactory.getLogger(ShutdownOnSignal.class);
  private static final AtomicBoolean STOPPING = new AtomicBoolean();

  private ShutdownOnSignal() {}

  static void install(Agent agent, Duration grace) {
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), sig -> onSignal(agent, grace, sig.getName()));
    }
  }

  private static void onSignal(Agent agent, Duration grace, String signal) {
    if (!STOPPING.compareAndSet(false, true)) {
      LOG.warn("second SIG{}: exiting now", signal);
      Runtime.getRuntime().halt(1);
    }
    LOG.info("SIG{} received, draining (grace period {})", signal, grace);
    Thread stopper = new Thread(() -> {
      int code = 0;
      try {
        agent.stop().toCompletionStage().toCompletableFuture()
            .get(grace.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.error("drain did not finish within the grace period: {}", e.toString());
        code = 1;
      }
      System.exit(code);
    }, "cairn-shutdown");
    stopper.start();
  }
}

package io.cairn.runtime;

import io.cairn.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process driver on the event bus. Deployed as a worker verticle: spawning, signalling and
 * file reads run on its worker thread. Process exits are published on {@link RuntimeBus#exited()}.
 */
public final class RuntimeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RuntimeVerticle.class);
  private static final long ROTATE_EVERY_MILLIS = 5_000;
  private static final long ADOPTED_POLL_MILLIS = 250;

  private final RuntimeBus bus;
  private final ProcessDriver driver;
  private final LogFiles logs;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  /** Instances whose exit is being watched, so a second adopt does not publish a second exit. */
  private final Map<String, Long> watched = new ConcurrentHashMap<>();
  private final Map<Long, java.util.concurrent.CompletableFuture<Integer>> adopted = new ConcurrentHashMap<>();
  private long rotateTimer;
  private long adoptedTimer;

  public RuntimeVerticle(String nodeId, ProcessDriver driver, LogFiles logs) {
    this.bus = new RuntimeBus(nodeId);
    this.driver = driver;
    this.logs = logs;
  }

  @Override
  public Future<?> start() {
    this.<RuntimeBus.Start>serve(bus.start(), this::start);
    this.<RuntimeBus.Signal>serve(bus.signal(), m -> {
      java.util.Optional<ProcessHandle> live = driver.find(m.pid(), m.startMillis(), m.instanceId());
      if (live.isEmpty() && m.force()) {
        driver.isolation().stop(m.instanceId(), null, true); // the main process is gone; its group may not be
      }
      return live.map(h -> driver.signal(m.instanceId(), h, m.force())).orElse(false);
    });
    this.<RuntimeBus.Adopt>serve(bus.adopt(), this::adopt);
    this.<RuntimeBus.Scan>serve(bus.scan(), m -> new RuntimeBus.OwnedProcesses(driver.scanOwned()));
    this.<RuntimeBus.Logs>serve(bus.logs(), this::logs);
    this.<RuntimeBus.DeleteLogs>serve(bus.deleteLogs(), m -> {
      logs.deleteWorkload(m.workload());
      return true;
    });
    rotateTimer = vertx.setPeriodic(ROTATE_EVERY_MILLIS, id -> rotateLogs());
    adoptedTimer = vertx.setPeriodic(ADOPTED_POLL_MILLIS, id -> pollAdopted());
    return Future.succeededFuture();
  }

  private RuntimeBus.Launched start(RuntimeBus.Start m) {
    ProcessDriver.Started started = driver.start(m.launch());
    String instanceId = m.launch().instanceId();
    watch(instanceId, started.pid(), started.startMillis(),
        started.process().onExit().thenApply(Process::exitValue));
    return new RuntimeBus.Launched(started.pid(), started.startMillis());
  }

  /** Adopted processes are not our children: their end is found by polling, their exit status is unknowable. */
  private boolean adopt(RuntimeBus.Adopt m) {
    return driver.find(m.pid(), m.startMillis(), m.instanceId()).map(handle -> {
      driver.resumeLogs(m.pid(), m.instanceId());
      java.util.concurrent.CompletableFuture<Integer> exit = new java.util.concurrent.CompletableFuture<>();
      adopted.put(m.pid(), exit);
      watch(m.instanceId(), m.pid(), m.startMillis(), exit);
      return true;
    }).orElse(false);
  }

  private void pollAdopted() {
    adopted.entrySet().removeIf(e -> {
      if (ProcessDriver.isRunning(e.getKey())) {
        return false;
      }
      e.getValue().complete(null);
      return true;
    });
  }

  private void watch(String instanceId, long pid, long startMillis,
      java.util.concurrent.CompletableFuture<Integer> exit) {
    if (watched.putIfAbsent(instanceId + "/" + pid, startMillis) != null) {
      return;
    }
    exit.whenComplete((code, err) -> {
      long exitedAt = System.currentTimeMillis();
      // what the main process left behind dies with it; the group tells whether memory killed it
      vertx.executeBlocking(() -> driver.isolation().cleanUp(instanceId, pid), false)
          .onComplete(oom -> {
            watched.remove(instanceId + "/" + pid);
            vertx.eventBus().publish(bus.exited(), new RuntimeBus.Exited(instanceId, pid, startMillis, code, exitedAt,
                oom.succeeded() && Boolean.TRUE.equals(oom.result())));
          });
    });
  }

  private RuntimeBus.LogLines logs(RuntimeBus.Logs m) throws IOException {
    boolean prefixed = m.instanceIds().size() > 1 || m.streams().size() > 1;
    List<String> lines = new ArrayList<>();
    List<LogFollower.Source> sources = new ArrayList<>();
    for (String instance : m.instanceIds()) {
      for (LogFiles.Stream stream : m.streams()) {
        Path file = logs.file(m.workload(), instance, stream);
        String prefix = prefixed ? "[" + instance + " " + stream + "] " : "";
        long position = logs.size(file);
        if (m.tail() > 0) {
          logs.tail(file, m.tail()).forEach(line -> lines.add(prefix + line));
        }
        sources.add(new LogFollower.Source(file, prefix, position));
      }
    }
    if (m.sinkAddress() != null) {
      new LogFollower(vertx, logs, m.sinkAddress(), sources).start();
    }
    return new RuntimeBus.LogLines(lines);
  }

  private void rotateLogs() {
    try {
      for (Path file : logs.currentFiles()) {
        logs.rotateIfNeeded(file);
      }
    } catch (IOException e) {
      LOG.warn("log rotation failed: {}", e.getMessage());
    }
  }

  private <T> void serve(String address, Bus.SyncHandler<T> handler) {
    consumers.add(Bus.serve(vertx, address, handler));
  }

  @Override
  public Future<?> stop() {
    driver.close();
    vertx.cancelTimer(rotateTimer);
    vertx.cancelTimer(adoptedTimer);
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }
}

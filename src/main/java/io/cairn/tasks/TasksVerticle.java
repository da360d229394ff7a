package io.cairn.tasks;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.bus.Bus;
import io.cairn.config.CairnConfig;
import io.cairn.events.EventTypes;
import io.cairn.health.HealthBus;
import io.cairn.model.CairnException;
import io.cairn.model.Durations;
import io.cairn.model.ErrorCode;
import io.cairn.model.Event;
import io.cairn.model.FieldError;
import io.cairn.node.NodeResources;
import io.cairn.registry.RegistryBus;
import io.cairn.runtime.ProcessDriver;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import io.cairn.storage.StorageClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task component: a bounded queue, at most {@code tasks.maxConcurrent} processes at once,
 * timeouts, cancel, output kept per task (size-capped) and streamed to followers with
 * backpressure, retention, and a drain on shutdown. Task records are saved in batches (one state
 * write per ~20 ms, not per task), so a restarted node knows what it ran: tasks it was still running
 * become Lost. Runs on one event loop; process starts and signals go to a worker pool, pipe reads
 * to their own threads.
 */
public final class TasksVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TasksVerticle.class);
  /** After a task exits, how long its pipes may stay open (a background child holding them) before we stop reading. */
  private static final long PIPE_LINGER_MILLIS = 2_000;
  /** Finished tasks whose output stays in memory (others are read back from the state store). */
  private static final int OUTPUTS_IN_MEMORY = 100;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String nodeId;
  private final CairnConfig.Tasks settings;
  private final io.cairn.runtime.Isolation isolation;
  private final Map<String, String> labels;
  private final Duration shutdownGrace;
  private final Duration requestTimeout;
  private final Path dataDir;
  private final MeterRegistry meters;

  private final Map<String, Task> tasks = new HashMap<>();
  private final Map<String, Running> active = new HashMap<>();
  /** Output of running tasks (from dispatch), of queued ones someone reads, and of some finished ones. */
  private final Map<String, TaskOutput> outputs = new HashMap<>();
  /** Finished tasks whose output is in memory, least recently finished or read first. */
  private final LinkedHashSet<String> finishedOutputs = new LinkedHashSet<>();
  private final ArrayDeque<String> queue = new ArrayDeque<>();
  private TaskFollowers followers;
  private final Map<String, Mutation> unsaved = new LinkedHashMap<>();
  private final List<Event> unsavedEvents = new ArrayList<>();
  /** Outputs in the state write now in flight: not yet readable from the store, so kept in memory. */
  private final Set<String> outputsBeingSaved = new java.util.HashSet<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final Promise<Void> drained = Promise.promise();
  private TaskDispatcher dispatcher;
  private TaskProcesses processes;
  private StorageClient storage;
  private WorkerExecutor workers;
  private Context context;
  private int slotsInUse;
  private boolean draining;
  private boolean saving;
  private long flushTimer = -1;
  private long sweepTimer = -1;
  private long cpuMillis;
  private long memoryBytes;

  /** A task holding a slot: its process (once started) and what is being done to it. */
  private static final class Running {
    final String id;
    TaskProcesses.Running process;
    String cancelReason;
    boolean timedOut;
    long timeoutTimer = -1;
    long killTimer = -1;

    Running(String id) {
      this.id = id;
    }
  }

  public TasksVerticle(String nodeId, CairnConfig config, MeterRegistry meters, io.cairn.runtime.Isolation isolation) {
    this.isolation = isolation;
    this.nodeId = nodeId;
    this.settings = config.tasks();
    this.labels = config.nodeLabels();
    this.shutdownGrace = config.shutdownGracePeriod();
    this.requestTimeout = config.requestTimeout();
    this.dataDir = config.dataDir();
    this.meters = meters;
  }

  @Override
  public Future<?> start() {
    context = vertx.getOrCreateContext();
    followers = new TaskFollowers(vertx, settings.followerStallTimeout(), outputs::get, tasks::get, this::evictOutputs);
    storage = new StorageClient(vertx, requestTimeout);
    processes = new TaskProcesses(nodeId, isolation);
    workers = vertx.createSharedWorkerExecutor("cairn-tasks", Math.max(2, settings.maxConcurrent()));
    dispatcher = new LeastLoadedDispatcher(() -> Bus.<TasksBus.Stats>request(vertx, TasksBus.stats(nodeId),
        new TasksBus.StatsQuery(), requestTimeout, null).map(List::of));
    Gauge.builder("cairn_tasks_running", this, v -> v.slotsInUse).description("Tasks holding a slot").register(meters);
    Gauge.builder("cairn_tasks_queued", queue, ArrayDeque::size).description("Tasks waiting for a slot").register(meters);
    Gauge.builder("cairn_tasks_output_followers", this, v -> v.followers == null ? 0 : v.followers.count())
        .description("Open readers of task output (streams)").register(meters);

    serve(TasksBus.SUBMIT, (TasksBus.Submit m, String rid) -> submit(m, rid));
    serve(TasksBus.enqueue(nodeId), (TasksBus.Enqueue m, String rid) -> Future.succeededFuture(enqueue(m)));
    serve(TasksBus.GET, (TasksBus.Get m, String rid) -> Future.succeededFuture(find(m.id())));
    serve(TasksBus.LIST, (TasksBus.ListTasks m, String rid) -> Future.succeededFuture(list(m)));
    serve(TasksBus.CANCEL, (TasksBus.Cancel m, String rid) -> Future.succeededFuture(cancel(m.id(), m.reason(), rid)));
    serve(TasksBus.OUTPUT, (TasksBus.Follow m, String rid) -> follow(m));
    serve(TasksBus.stats(nodeId), (TasksBus.StatsQuery m, String rid) -> Future.succeededFuture(stats()));
    consumers.add(vertx.eventBus().<TasksBus.Unfollow>consumer(TasksBus.UNFOLLOW,
        m -> followers.remove(m.body().id(), m.body().sink())));
    consumers.add(vertx.eventBus().<HealthBus.Draining>consumer(HealthBus.DRAINING, m -> startDrain()));

    long sweepEvery = Math.max(1000, Math.min(settings.retention().toMillis() / 4, 30_000));
    sweepTimer = vertx.setPeriodic(sweepEvery, id -> sweep());
    return workers.executeBlocking(() -> {
          NodeResources.Snapshot s = new NodeResources(dataDir).snapshot();
          cpuMillis = s.capacity().cpuMillis();
          memoryBytes = s.capacity().memoryBytes();
          return processes.killLeftovers();
        })
        .compose(leftovers -> storage.<Task>scanAll(Table.TASKS, "").map(stored -> {
          recover(stored, leftovers);
          return null;
        }));
  }

  private <T> void serve(String address, java.util.function.BiFunction<T, String, Future<?>> handler) {
    consumers.add(Bus.serveAsync(vertx, address, handler));
  }

  /**
   * Tasks this node had not finished when it stopped are Lost (their processes are gone: killed
   * above), or queued again when the task asked for retries and has some left.
   */
  private void recover(List<Task> stored, List<String> killed) {
    long now = System.currentTimeMillis();
    List<Task> unfinished = new ArrayList<>();
    for (Task t : stored) {
      tasks.put(t.id(), t);
      if (!t.state().isFinal()) {
        unfinished.add(t);
      }
    }
    unfinished.sort(Comparator.comparingLong(Task::submittedAt));
    for (Task t : unfinished) {
      String why = "the node restarted while the task was " + t.state()
          + (killed.contains(t.id()) ? "; its leftover process was killed" : "");
      if (t.attempt() < t.spec().retries()) {
        update(new Task(t.id(), t.spec(), TaskState.Queued, nodeId, null, why + "; retrying", t.submittedAt(), null,
            null, null, 0, 0, t.attempt() + 1));
        outputs.put(t.id(), new TaskOutput(settings.maxOutputBytes()));
        queue.add(t.id());
      } else {
        update(t.finished(TaskState.Lost, null, why, now, t.outputBytes(), t.outputDropped()));
        unsavedEvents.add(Event.of(EventTypes.TASK_LOST, Event.Severity.Warning, null, t.id(), why, null));
      }
    }
    if (!stored.isEmpty()) {
      LOG.info("tasks loaded {} {}", kv("tasks", stored.size()), kv("unfinished", unfinished.size()));
    }
    schedule();
  }

  // ---- submit, queue, run ----

  private Future<Task> submit(TasksBus.Submit m, String requestId) {
    TaskSpec spec = TaskSpecParser.parse(m.body(), isolation.allowedDirs());
    if (draining) {
      return Future.failedFuture(shuttingDown());
    }
    return dispatcher.choose(spec).compose(node -> Bus.request(vertx, TasksBus.enqueue(node),
        new TasksBus.Enqueue(newId(), spec, System.currentTimeMillis()), requestTimeout, requestId));
  }

  private Task enqueue(TasksBus.Enqueue e) {
    if (draining) {
      throw shuttingDown();
    }
    if (slotsInUse >= settings.maxConcurrent() && queue.size() >= settings.queueCapacity()) {
      throw new CairnException(ErrorCode.QUEUE_FULL, "the task queue of node " + nodeId + " is full ("
          + queue.size() + " waiting, " + slotsInUse + " running); try again later",
          List.of(new FieldError("tasks.queueCapacity", "limit " + settings.queueCapacity(),
              Map.of("queued", Integer.toString(queue.size()), "running", Integer.toString(slotsInUse)))));
    }
    Task t = new Task(e.id(), e.spec(), TaskState.Queued, nodeId, null, null, e.submittedAt(), null, null, null, 0, 0, 0);
    tasks.put(t.id(), t);
    queue.add(t.id());
    save(t);
    schedule();
    return tasks.get(t.id());
  }

  private static CairnException shuttingDown() {
    return new CairnException(ErrorCode.UNAVAILABLE, "the node is shutting down and takes no new tasks");
  }

  private void schedule() {
    while (!draining && slotsInUse < settings.maxConcurrent() && !queue.isEmpty()) {
      dispatch(queue.poll());
    }
  }

  private void dispatch(String id) {
    slotsInUse++;
    Task t = update(tasks.get(id).with(TaskState.Dispatched, null));
    Running r = new Running(id);
    active.put(id, r);
    TaskOutput output = outputs.computeIfAbsent(id, k -> new TaskOutput(settings.maxOutputBytes()));
    workers.executeBlocking(() -> processes.start(id, t.spec(), output, task -> context.runOnContext(v -> task.run()),
            (stream, bytes) -> onOutput(id, stream, bytes)), false)
        .onSuccess(p -> started(id, r, p))
        .onFailure(err -> finish(id, TaskState.Failed, null, CairnException.from(err).getMessage()));
  }

  private void started(String id, Running r, TaskProcesses.Running p) {
    r.process = p;
    update(tasks.get(id).started(p.pid(), System.currentTimeMillis()));
    vertx.eventBus().send(RegistryBus.CLAIM, new RegistryBus.Claim(id, RegistryBus.Kind.task));
    Long timeout = tasks.get(id).spec().timeoutMillis();
    if (r.cancelReason != null) {
      terminate(r); // cancelled while it was starting
    } else if (timeout != null) {
      r.timeoutTimer = vertx.setTimer(timeout, x -> {
        r.timedOut = true;
        terminate(r);
      });
    }
    // complete only when the process has exited and both pipes are drained (or abandoned after a while)
    CompletableFuture<Integer> exit = p.process().onExit().thenApply(Process::exitValue);
    CompletableFuture<Void> pipes = CompletableFuture.allOf(p.stdoutDone(), p.stderrDone());
    long pid = p.pid();
    Future.fromCompletionStage(exit.thenCompose(code -> pipes
            .completeOnTimeout(null, PIPE_LINGER_MILLIS, TimeUnit.MILLISECONDS).thenApply(v -> code)), context)
        .compose(code -> workers.executeBlocking(() -> processes.cleanUp(id, pid), false)
            .map(oom -> new Object[] {code, oom}))
        .onComplete(ar -> exited(id, ar.succeeded() ? (Integer) ar.result()[0] : null,
            ar.succeeded() && Boolean.TRUE.equals(ar.result()[1])));
  }

  private void exited(String id, Integer code, boolean oomKilled) {
    Running r = active.get(id);
    if (r == null) {
      return;
    }
    if (r.cancelReason != null) {
      finish(id, TaskState.Cancelled, code, r.cancelReason);
    } else if (r.timedOut) {
      finish(id, TaskState.TimedOut, code, "exceeded its timeout of "
          + io.cairn.model.Durations.format(Duration.ofMillis(tasks.get(id).spec().timeoutMillis())));
    } else if (oomKilled) {
      finish(id, TaskState.Failed, code, "OOMKilled: killed for exceeding its memory limit (exit code " + code + ")");
    } else if (code != null && code == 0) {
      finish(id, TaskState.Succeeded, 0, null);
    } else {
      finish(id, TaskState.Failed, code, code == null ? "exit status unknown"
          : code > 128 ? "killed by signal " + (code - 128) + " (exit code " + code + ")" : "exit code " + code);
    }
  }

  /** Ends a task that held a slot (or was queued): final state, output closed, slot freed. */
  private void finish(String id, TaskState end, Integer code, String reason) {
    Running r = active.remove(id);
    boolean heldSlot = r != null;
    if (r != null) {
      vertx.cancelTimer(r.timeoutTimer);
      vertx.cancelTimer(r.killTimer);
      slotsInUse--;
    }
    Task t = tasks.get(id);
    TaskOutput output = outputs.get(id);
    if (end == TaskState.Failed && t.attempt() < t.spec().retries() && !draining) {
      // asked for retries: run again with the same id; the output continues
      update(new Task(id, t.spec(), TaskState.Queued, nodeId, null, "attempt " + (t.attempt() + 1) + " ended: "
          + reason + "; retrying", t.submittedAt(), null, null, null, output.total(), output.dropped(), t.attempt() + 1));
      queue.addFirst(id);
    } else {
      if (output != null) {
        output.close();
      }
      t = update(t.finished(end, code, reason, System.currentTimeMillis(), output == null ? 0 : output.total(),
          output == null ? 0 : output.dropped()));
      if (output != null) {
        unsaved.put("O" + id, new Mutation.Put(Table.TASK_OUTPUT, id, output.stored()));
        finishedOutputs.add(id);
      }
      Counter.builder("cairn_tasks_finished_total").tag("state", end.name()).description("Tasks ended, by final state")
          .register(meters).increment();
      String type = switch (end) {
        case TimedOut -> EventTypes.TASK_TIMED_OUT;
        case Cancelled -> EventTypes.TASK_CANCELLED;
        case Lost -> EventTypes.TASK_LOST;
        default -> null;
      };
      if (type != null) {
        unsavedEvents.add(Event.of(type, Event.Severity.Warning, null, id, reason, null));
      }
      if (heldSlot) {
        vertx.eventBus().send(RegistryBus.RELEASE, new RegistryBus.Release(id));
      }
      LOG.debug("task ended {} {} {}", kv("task", id), kv("state", end), kv("exitCode", code));
      followers.pumpAll(id);
      evictOutputs();
    }
    schedule();
    if (draining && active.isEmpty()) {
      drained.tryComplete();
    }
  }

  private Task update(Task t) {
    tasks.put(t.id(), t);
    save(t);
    return t;
  }

  // ---- cancel, timeout ----

  private Task cancel(String id, String reason, String requestId) {
    Task t = find(id);
    if (t.state().isFinal()) {
      throw new CairnException(ErrorCode.CONFLICT, "task " + id + " already ended (" + t.state() + ")");
    }
    String why = reason == null || reason.isBlank() ? "cancelled by a client" : reason;
    if (t.state() == TaskState.Queued) {
      queue.remove(id);
      finish(id, TaskState.Cancelled, null, why);
    } else {
      Running r = active.get(id);
      if (r.cancelReason == null) {
        r.cancelReason = why;
        LOG.info("cancelling task {} {} {}", kv("task", id), kv("reason", why), kv("requestId", requestId));
        terminate(r);
      }
    }
    return tasks.get(id);
  }

  /** SIGTERM to the task's process tree, SIGKILL after tasks.stopGracePeriod. */
  private void terminate(Running r) {
    if (r.process == null) {
      return; // still starting: started() terminates it
    }
    ProcessHandle handle = r.process.process().toHandle();
    String id = r.id;
    workers.executeBlocking(() -> {
      processes.stop(id, handle, false);
      return null;
    }, false);
    vertx.cancelTimer(r.killTimer);
    r.killTimer = vertx.setTimer(Math.max(1, settings.stopGracePeriod().toMillis()),
        x -> workers.executeBlocking(() -> {
          processes.stop(id, handle, true);
          return null;
        }, false));
  }

  // ---- queries ----

  private Task find(String id) {
    Task t = tasks.get(id);
    if (t == null) {
      throw CairnException.notFound("task", id);
    }
    return t;
  }

  private TasksBus.Page list(TasksBus.ListTasks q) {
    Comparator<Task> newestFirst = Comparator.comparingLong(Task::submittedAt).thenComparing(Task::id).reversed();
    List<Task> sorted = tasks.values().stream().filter(t -> q.state() == null || t.state() == q.state())
        .sorted(newestFirst).toList();
    int from = 0;
    if (q.pageToken() != null) {
      Task after = tasks.get(q.pageToken());
      if (after == null) {
        throw CairnException.invalid(List.of(new FieldError("pageToken", "unknown or expired page token")));
      }
      from = (int) sorted.stream().takeWhile(t -> newestFirst.compare(t, after) <= 0).count();
    }
    List<Task> page = sorted.subList(Math.min(from, sorted.size()), Math.min(from + q.limit(), sorted.size()));
    String next = from + q.limit() < sorted.size() && !page.isEmpty() ? page.get(page.size() - 1).id() : null;
    return new TasksBus.Page(List.copyOf(page), next);
  }

  private TasksBus.Stats stats() {
    return new TasksBus.Stats(nodeId, labels, slotsInUse, settings.maxConcurrent(), queue.size(),
        settings.queueCapacity(), draining, cpuMillis, memoryBytes);
  }

  // ---- output ----

  private void onOutput(String id, String stream, byte[] bytes) {
    TaskOutput output = outputs.get(id);
    if (output == null) {
      return;
    }
    output.append(stream, bytes, followers.has(id));
    followers.pumpAll(id);
  }

  private Future<Task> follow(TasksBus.Follow f) {
    Task t = find(f.id());
    TaskOutput output = outputs.get(f.id());
    if (output == null && !t.state().isFinal()) {
      output = outputs.computeIfAbsent(f.id(), k -> new TaskOutput(settings.maxOutputBytes())); // queued: read live
    }
    Future<TaskOutput> ready = output != null ? Future.succeededFuture(output)
        : storage.<TaskOutput.Stored>get(Table.TASK_OUTPUT, f.id()).map(stored -> {
          TaskOutput.Stored s = stored.orElse(new TaskOutput.Stored(List.of(), t.outputBytes(), t.outputBytes()));
          outputs.putIfAbsent(f.id(), new TaskOutput(settings.maxOutputBytes(), s.chunks(), s.total(), s.dropped()));
          return outputs.get(f.id());
        });
    return ready.map(o -> {
      if (tasks.get(f.id()).state().isFinal()) {
        finishedOutputs.remove(f.id());
        finishedOutputs.add(f.id()); // recently read: evicted last
      }
      followers.add(f.id(), f.sink(), f.streams(), f.follow(), f.fromOffset()); // pushes start after this reply
      return tasks.get(f.id());
    });
  }

  /**
   * Keeps at most OUTPUTS_IN_MEMORY finished outputs, dropping the oldest first; one still being read
   * or not yet in the state store stays (it cannot be read back from there yet).
   */
  private void evictOutputs() {
    java.util.Iterator<String> oldest = finishedOutputs.iterator();
    int excess = finishedOutputs.size() - OUTPUTS_IN_MEMORY;
    while (excess > 0 && oldest.hasNext()) {
      String id = oldest.next();
      boolean onlyInMemory = unsaved.containsKey("O" + id) || outputsBeingSaved.contains(id);
      if (!followers.has(id) && !onlyInMemory) {
        oldest.remove();
        outputs.remove(id);
        excess--;
      }
    }
  }

  // ---- persistence, retention ----

  private void save(Task t) {
    unsaved.put("T" + t.id(), new Mutation.Put(Table.TASKS, t.id(), t));
    scheduleFlush();
  }

  private void scheduleFlush() {
    if (flushTimer == -1) {
      flushTimer = vertx.setTimer(20, x -> {
        flushTimer = -1;
        flush();
      });
    }
  }

  /** One state write for everything changed since the last one; never two in flight. */
  private Future<Void> flush() {
    if (saving || (unsaved.isEmpty() && unsavedEvents.isEmpty())) {
      return Future.succeededFuture();
    }
    saving = true;
    List<Mutation> batch = List.copyOf(unsaved.values());
    List<Event> events = List.copyOf(unsavedEvents);
    unsaved.clear();
    unsavedEvents.clear();
    batch.forEach(m -> {
      if (m instanceof Mutation.Put p && p.table() == Table.TASK_OUTPUT) {
        outputsBeingSaved.add(p.key());
      }
    });
    return storage.write(batch, events, null)
        .onFailure(e -> LOG.warn("saving task records failed {} {}", kv("records", batch.size()), kv("error", e.getMessage())))
        .transform(ar -> {
          saving = false;
          outputsBeingSaved.clear();
          evictOutputs();
          if (!unsaved.isEmpty() || !unsavedEvents.isEmpty()) {
            scheduleFlush();
          }
          return Future.<Void>succeededFuture();
        });
  }

  /** Forgets finished tasks older than tasks.retention, and the oldest beyond tasks.maxRetained. */
  private void sweep() {
    long cutoff = System.currentTimeMillis() - settings.retention().toMillis();
    List<Task> finished = tasks.values().stream().filter(t -> t.state().isFinal())
        .sorted(Comparator.comparingLong(Task::finishedAt)).toList();
    int excess = finished.size() - settings.maxRetained();
    int removed = 0;
    for (Task t : finished) {
      if ((t.finishedAt() < cutoff || removed < excess) && !followers.has(t.id())) {
        tasks.remove(t.id());
        outputs.remove(t.id());
        finishedOutputs.remove(t.id());
        unsaved.put("T" + t.id(), new Mutation.Delete(Table.TASKS, t.id()));
        unsaved.put("O" + t.id(), new Mutation.Delete(Table.TASK_OUTPUT, t.id()));
        removed++;
      }
    }
    if (removed > 0) {
      LOG.info("tasks past retention removed {}", kv("removed", removed));
      scheduleFlush();
    }
  }

  // ---- shutdown ----

  /**
   * Stops taking tasks and cancels the queued ones at once; running ones get three quarters of
   * the shutdown grace period to finish, then are cancelled with the reason, leaving the rest of the
   * period for them to die and for output streams to deliver the end.
   */
  private void startDrain() {
    if (draining) {
      return;
    }
    draining = true;
    for (String id : List.copyOf(queue)) {
      queue.remove(id);
      finish(id, TaskState.Cancelled, null, "the node shut down before the task started");
    }
    if (active.isEmpty()) {
      drained.tryComplete();
      return;
    }
    long grace = shutdownGrace.toMillis() * 3 / 4;
    LOG.info("draining tasks {} {}", kv("running", active.size()), kv("graceMillis", grace));
    vertx.setTimer(Math.max(1, grace), x -> List.copyOf(active.keySet()).forEach(id -> {
      Running r = active.get(id);
      if (r != null && r.cancelReason == null) {
        r.cancelReason = "the node shut down and the task was still running after the grace period ("
            + io.cairn.model.Durations.format(Duration.ofMillis(grace)) + ")";
        terminate(r);
      }
    }));
  }

  @Override
  public Future<?> stop() {
    startDrain();
    long bound = shutdownGrace.toMillis() + settings.stopGracePeriod().toMillis() + PIPE_LINGER_MILLIS + 1000;
    Promise<Void> bounded = Promise.promise();
    drained.future().onComplete(ar -> bounded.tryComplete());
    vertx.setTimer(bound, x -> bounded.tryComplete());
    return bounded.future()
        .compose(v -> flushAll())
        .eventually(() -> {
          vertx.cancelTimer(sweepTimer);
          processes.close();
          workers.close();
          return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
        });
  }

  private Future<Void> flushAll() {
    vertx.cancelTimer(flushTimer);
    flushTimer = -1;
    if (saving) {
      Promise<Void> later = Promise.promise();
      vertx.setTimer(20, x -> flushAll().onComplete(later));
      return later.future();
    }
    return flush();
  }

  private static String newId() {
    byte[] r = new byte[5];
    RANDOM.nextBytes(r);
    // time first, so ids sort by submission; 40 random bits make collisions within one millisecond unlikely
    return "t" + Long.toString(System.currentTimeMillis(), 36) + HexFormat.of().formatHex(r);
  }

}

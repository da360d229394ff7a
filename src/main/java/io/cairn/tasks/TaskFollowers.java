package io.cairn.tasks;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.model.Durations;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The readers of task output: each gets pushes to its sink, one in flight, each acknowledged once
 * written, so a slow reader slows the task (see {@link TaskOutput}); a reader that takes nothing for
 * {@code tasks.followerStallTimeout} is dropped and told so. Event-loop confined (the task component's).
 */
final class TaskFollowers {
  private static final Logger LOG = LoggerFactory.getLogger(TaskFollowers.class);
  private static final int PUSH_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final Duration stallTimeout;
  private final Function<String, TaskOutput> outputOf;
  private final Function<String, Task> taskOf;
  private final Runnable onReaderGone;
  private final Map<String, List<Follower>> byTask = new HashMap<>();
  private int count;

  /** {@code onReaderGone}: a reader left (outputs nobody reads may now leave memory). */
  TaskFollowers(Vertx vertx, Duration stallTimeout, Function<String, TaskOutput> outputOf,
      Function<String, Task> taskOf, Runnable onReaderGone) {
    this.vertx = vertx;
    this.stallTimeout = stallTimeout;
    this.outputOf = outputOf;
    this.taskOf = taskOf;
    this.onReaderGone = onReaderGone;
  }

  /** One reader of a task's output; at most one push in flight. */
  private static final class Follower {
    final String taskId;
    final String sink;
    final Set<String> streams;
    final boolean follow;
    long offset;
    boolean inFlight;
    boolean done;

    Follower(String taskId, String sink, Set<String> streams, boolean follow, long offset) {
      this.taskId = taskId;
      this.sink = sink;
      this.streams = streams;
      this.follow = follow;
      this.offset = offset;
    }
  }

  /** Adds a reader; its first push goes out on the next turn of the event loop (after the reply naming the task). */
  void add(String taskId, String sink, Set<String> streams, boolean follow, long offset) {
    Follower fw = new Follower(taskId, sink, streams, follow, Math.max(0, offset));
    byTask.computeIfAbsent(taskId, k -> new ArrayList<>()).add(fw);
    count++;
    vertx.getOrCreateContext().runOnContext(v -> pump(fw));
  }

  boolean has(String taskId) {
    return byTask.containsKey(taskId);
  }

  int count() {
    return count;
  }

  /** The reader at {@code sink} went away. */
  void remove(String taskId, String sink) {
    List<Follower> list = byTask.get(taskId);
    if (list != null) {
      List.copyOf(list).stream().filter(f -> f.sink.equals(sink)).forEach(this::unfollow);
    }
  }

  /** New output or a new state: every reader of the task may have something to read. */
  void pumpAll(String taskId) {
    List<Follower> list = byTask.get(taskId);
    if (list != null) {
      List.copyOf(list).forEach(this::pump);
    }
  }

  private void pump(Follower fw) {
    if (fw.inFlight || fw.done) {
      return;
    }
    TaskOutput output = outputOf.apply(fw.taskId);
    Task t = taskOf.apply(fw.taskId);
    if (output == null || t == null) {
      unfollow(fw);
      return;
    }
    TaskOutput.Batch batch = output.read(fw.offset, PUSH_BYTES);
    List<TaskOutput.Chunk> chunks = fw.streams == null ? batch.chunks()
        : batch.chunks().stream().filter(c -> fw.streams.contains(c.stream())).toList();
    boolean atEnd = batch.next() >= output.total();
    boolean ended = atEnd && (t.state().isFinal() && output.closed() || !fw.follow);
    if (chunks.isEmpty() && batch.skipped() == 0 && !ended) {
      fw.offset = batch.next(); // nothing for this reader (other stream) or nothing yet: wait for more
      trim(fw.taskId);
      return;
    }
    fw.inFlight = true;
    long next = batch.next();
    vertx.eventBus().<Boolean>request(fw.sink, new TasksBus.OutputPush(chunks, batch.skipped(), ended ? t : null),
            new DeliveryOptions().setSendTimeout(stallTimeout.toMillis()))
        .onComplete(ar -> {
          fw.inFlight = false;
          fw.offset = next;
          if (ar.failed() && ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT) {
            // the reader took nothing for tasks.followerStallTimeout: it must not hold the task back
            LOG.info("output follower dropped {} {}", kv("task", fw.taskId), kv("reason", "stalled"));
            vertx.eventBus().send(fw.sink, new TasksBus.FollowerDropped("the reader read nothing for "
                + Durations.format(stallTimeout) + " (tasks.followerStallTimeout)"));
          }
          if (ended || ar.failed() || !Boolean.TRUE.equals(ar.result().body())) {
            unfollow(fw);
          } else {
            trim(fw.taskId);
            pump(fw);
          }
        });
  }

  private void unfollow(Follower fw) {
    if (fw.done) {
      return;
    }
    fw.done = true;
    count--;
    List<Follower> list = byTask.get(fw.taskId);
    if (list != null) {
      list.remove(fw);
      if (list.isEmpty()) {
        byTask.remove(fw.taskId);
      }
    }
    trim(fw.taskId);
    onReaderGone.run();
  }

  /** Frees output every reader of the task has read (all of it when nobody reads). */
  private void trim(String taskId) {
    TaskOutput output = outputOf.apply(taskId);
    if (output != null) {
      List<Follower> list = byTask.get(taskId);
      output.trim(list == null ? Long.MAX_VALUE : list.stream().mapToLong(f -> f.offset).min().orElse(Long.MAX_VALUE));
    }
  }
}

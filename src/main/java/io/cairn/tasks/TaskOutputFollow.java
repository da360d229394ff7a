package io.cairn.tasks;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;

/**
 * A task's output for a front end (REST or gRPC): registers a temporary local sink, asks the task
 * component to push output there, and acknowledges each push only once the front end has written
 * it, so a slow client slows the task (see {@link TaskOutput}) instead of growing a buffer.
 * {@link #close()} when the client goes away: the next push finds no sink and the reader is dropped.
 */
public final class TaskOutputFollow {
  /** Writes a push to the client; completes once written. */
  public interface Sink {
    Future<Void> write(TasksBus.OutputPush push);
  }

  private final Vertx vertx;
  private final MessageConsumer<Object> consumer;
  private final Task task;
  private boolean closed;

  private TaskOutputFollow(Vertx vertx, MessageConsumer<Object> consumer, Task task) {
    this.vertx = vertx;
    this.consumer = consumer;
    this.task = task;
  }

  /**
   * Resolves with the task as it was when reading began; pushes then arrive at {@code sink}. When
   * the task component drops this reader for not reading (tasks.followerStallTimeout), {@code
   * dropped} is told why and should end the client's stream.
   */
  /** {@code clustered}: a task this node does not have is read on the node that has it ({@link TaskLookup}). */
  public static Future<TaskOutputFollow> open(Vertx vertx, boolean clustered, Duration timeout, String requestId,
      String taskId, long fromOffset, Set<String> streams, boolean follow, Sink sink,
      java.util.function.Consumer<String> dropped) {
    String address = "cairn.api.tasksink." + UUID.randomUUID();
    TaskOutputFollow[] self = new TaskOutputFollow[1];
    MessageConsumer<Object> consumer = vertx.eventBus().localConsumer(address, m -> {
      if (m.body() instanceof TasksBus.FollowerDropped notice) {
        if (self[0] != null && !self[0].closed) {
          self[0].closed = true;
          self[0].consumer.unregister();
          dropped.accept(notice.reason());
        }
        return;
      }
      if (self[0] == null || self[0].closed) {
        m.reply(false);
        return;
      }
      sink.write((TasksBus.OutputPush) m.body()).onComplete(ar -> m.reply(ar.succeeded() && !self[0].closed));
    });
    return consumer.completion()
        .compose(v -> TaskLookup.<Task>request(vertx, clustered, TasksBus.OUTPUT, TasksBus.ELSEWHERE_OUTPUT,
            new TasksBus.Follow(taskId, fromOffset, streams, follow, address), timeout, requestId))
        .map(task -> self[0] = new TaskOutputFollow(vertx, consumer, task))
        .onFailure(e -> consumer.unregister());
  }

  public Task task() {
    return task;
  }

  public void close() {
    if (!closed) {
      closed = true;
      consumer.unregister();
      // a reader waiting for output that may never come must not wait for the next push to notice
      vertx.eventBus().send(TasksBus.UNFOLLOW, new TasksBus.Unfollow(task.id(), consumer.address()));
    }
  }
}

package io.cairn.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.bus.Addresses;
import java.util.List;
import java.util.Set;

/**
 * The task component's addresses and messages. Clients' requests arrive at the local addresses;
 * the dispatcher hands a task to the chosen node's {@code enqueue} (node-scoped, so the cluster
 * issue only has to pick another node id).
 */
public final class TasksBus {
  public static final Addresses ADDRESSES = new Addresses("tasks");
  public static final String SUBMIT = ADDRESSES.local("submit");
  public static final String GET = ADDRESSES.local("get");
  public static final String LIST = ADDRESSES.local("list");
  public static final String CANCEL = ADDRESSES.local("cancel");
  public static final String OUTPUT = ADDRESSES.local("output");
  /** Sent (no reply) when a front end's client went away: the reader is dropped at once. */
  public static final String UNFOLLOW = ADDRESSES.local("unfollow");
  /**
   * A task this node does not have (tasks stay on the node they were submitted to): the same
   * messages and replies as {@link #GET}, {@link #CANCEL}, {@link #OUTPUT}, answered in a cluster by
   * the cluster component from the node that has the task ({@link TaskLookup}).
   */
  public static final String ELSEWHERE_GET = ADDRESSES.local("elsewhere.get");
  public static final String ELSEWHERE_CANCEL = ADDRESSES.local("elsewhere.cancel");
  public static final String ELSEWHERE_OUTPUT = ADDRESSES.local("elsewhere.output");

  private TasksBus() {}

  public static String enqueue(String nodeId) {
    return ADDRESSES.onNode(nodeId, "enqueue");
  }

  public static String stats(String nodeId) {
    return ADDRESSES.onNode(nodeId, "stats");
  }

  /** Reply: the {@link Task} as accepted (Queued, or already Dispatched when a slot was free). */
  public record Submit(JsonNode body) {}

  /** Reply: {@link Task}; QUEUE_FULL when the node's queue is full, UNAVAILABLE while it drains. */
  public record Enqueue(String id, TaskSpec spec, long submittedAt) {}

  /** Reply: {@link Task} or NOT_FOUND. */
  public record Get(String id) {}

  /** Reply: {@link Page}, newest first; {@code state} null for all. */
  public record ListTasks(TaskState state, int limit, String pageToken) {}

  public record Page(List<Task> items, String nextPageToken) {}

  /** Reply: {@link Task}; CONFLICT when it already ended. */
  public record Cancel(String id, String reason) {}

  /**
   * Starts a reader of a task's output at {@code fromOffset} ({@code streams} null for both).
   * Reply: the {@link Task} as it is now; then {@link OutputPush} requests go to {@code sink}, one
   * in flight, until the sink replies false, is gone, or the push says the output ended.
   */
  public record Follow(String id, long fromOffset, Set<String> streams, boolean follow, String sink) {}

  public record Unfollow(String id, String sink) {}

  /**
   * A piece of output; {@code skipped}: bytes before these that were not kept; {@code end}: the
   * task as it ended (or as it is, when not following), after which nothing more comes.
   */
  public record OutputPush(List<TaskOutput.Chunk> chunks, long skipped, Task end) {}

  /** Sent to a follower's sink when it was dropped for not reading; the front end ends its stream. */
  public record FollowerDropped(String reason) {}

  /** Reply: {@link Stats}. */
  public record StatsQuery() {}

  public record Stats(String nodeId, java.util.Map<String, String> labels, int running, int slots, int queued,
      int queueCapacity, boolean draining, long cpuMillis, long memoryBytes) {}

  public static final List<Class<?>> MESSAGE_TYPES = List.of(Submit.class, Enqueue.class, Get.class,
      ListTasks.class, Page.class, Cancel.class, Follow.class, Unfollow.class, OutputPush.class, StatsQuery.class, Stats.class,
      Task.class, FollowerDropped.class);
}

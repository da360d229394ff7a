package io.cairn.tasks;

/**
 * One task as clients see it and as it is stored ({@code Table.TASKS}). Times are epoch millis,
 * null until they happen; {@code exitCode} is set once the process ended on its own or by a signal.
 * {@code outputBytes} counts everything the task wrote; {@code outputDropped} what was not kept.
 */
public record Task(String id, TaskSpec spec, TaskState state, String node, Integer exitCode, String reason,
    long submittedAt, Long startedAt, Long finishedAt, Long pid, long outputBytes, long outputDropped,
    int attempt) {

  Task with(TaskState newState, String newReason) {
    return new Task(id, spec, newState, node, exitCode, newReason, submittedAt, startedAt, finishedAt, pid,
        outputBytes, outputDropped, attempt);
  }

  Task started(long pidValue, long at) {
    return new Task(id, spec, TaskState.Running, node, null, null, submittedAt, at, null, pidValue, outputBytes,
        outputDropped, attempt);
  }

  Task finished(TaskState end, Integer code, String why, long at, long bytes, long dropped) {
    return new Task(id, spec, end, node, code, why, submittedAt, startedAt, at, pid, bytes, dropped, attempt);
  }
}

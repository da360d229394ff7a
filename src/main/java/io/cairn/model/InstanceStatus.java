package io.cairn.model;

/**
 * Observed state of one instance. {@code pid} with {@code processStartMillis} identifies the process
 * across agent restarts (a pid alone can be reused). {@code launchHash} identifies the spec the
 * process was started from, so a changed command or environment replaces it.
 */
public record InstanceStatus(
    String id,
    String workload,
    int ordinal,
    String nodeId,
    String launchHash,
    Long pid,
    Long processStartMillis,
    InstanceState state,
    int restarts,
    Integer lastExitCode,
    Long startedAt,
    Long nextRestartAt,
    Long stopDeadline,
    String message) {

  public static InstanceStatus pending(String id, String workload, int ordinal, String nodeId, String launchHash) {
    return new InstanceStatus(id, workload, ordinal, nodeId, launchHash, null, null, InstanceState.Pending, 0,
        null, null, null, null, null);
  }

  public InstanceStatus running(long newPid, long processStart, long now, String hash) {
    return new InstanceStatus(id, workload, ordinal, nodeId, hash, newPid, processStart, InstanceState.Running,
        restarts, lastExitCode, now, null, null, null);
  }

  public InstanceStatus exited(InstanceState newState, Integer exitCode, Long restartAt, String why) {
    return new InstanceStatus(id, workload, ordinal, nodeId, launchHash, null, null, newState, restarts, exitCode,
        startedAt, restartAt, null, why);
  }

  public InstanceStatus stopping(long deadline) {
    return new InstanceStatus(id, workload, ordinal, nodeId, launchHash, pid, processStartMillis,
        InstanceState.Stopping, restarts, lastExitCode, startedAt, null, deadline, message);
  }

  public InstanceStatus withRestarts(int newRestarts) {
    return new InstanceStatus(id, workload, ordinal, nodeId, launchHash, pid, processStartMillis, state,
        newRestarts, lastExitCode, startedAt, nextRestartAt, stopDeadline, message);
  }

  public boolean hasProcess() {
    return pid != null && (state == InstanceState.Running || state == InstanceState.Stopping);
  }
}

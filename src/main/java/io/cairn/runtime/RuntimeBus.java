package io.cairn.runtime;

import io.cairn.bus.Addresses;
import java.util.List;

/**
 * The runtime component's addresses. Runtime work is always on a given node, so every address is
 * node-scoped: {@code cairn.node.<nodeId>.runtime.<op>}.
 */
public record RuntimeBus(String nodeId) {
  public static final Addresses ADDRESSES = new Addresses("runtime");

  public String start() {
    return ADDRESSES.onNode(nodeId, "start");
  }

  public String signal() {
    return ADDRESSES.onNode(nodeId, "signal");
  }

  public String adopt() {
    return ADDRESSES.onNode(nodeId, "adopt");
  }

  public String scan() {
    return ADDRESSES.onNode(nodeId, "scan");
  }

  public String logs() {
    return ADDRESSES.onNode(nodeId, "logs");
  }

  public String deleteLogs() {
    return ADDRESSES.onNode(nodeId, "logs.delete");
  }

  /** Published: one {@link Exited} per process end. */
  public String exited() {
    return ADDRESSES.onNode(nodeId, "exited");
  }

  /** Reply: {@link Launched}, or an EXEC_FAILED failure. */
  public record Start(ProcessDriver.Launch launch) {}

  public record Launched(long pid, long startMillis) {}

  /** SIGTERM, or SIGKILL when {@code force}. Reply: Boolean, whether the process was still there. */
  public record Signal(String instanceId, long pid, long startMillis, boolean force) {}

  /** Take over watching a process started before this agent started. Reply: Boolean, alive and ours. */
  public record Adopt(String instanceId, long pid, long startMillis) {}

  /** Reply: {@link OwnedProcesses}. */
  public record Scan() {}

  public record OwnedProcesses(List<ProcessDriver.Owned> processes) {}

  /** {@code exitCode} is null when the process was adopted (not our child, so its status is not ours to read). */
  /** {@code oomKilled}: the kernel's OOM killer acted in the instance's control group. */
  public record Exited(String instanceId, long pid, long startMillis, Integer exitCode, long exitedAt,
      boolean oomKilled) {}

  /**
   * Reply: {@link LogLines} with the last {@code tail} lines; when {@code sinkAddress} is set the
   * runtime then sends {@link LogChunk}s there, one at a time, each waiting for the sink's reply
   * (backpressure), until the sink is gone or replies {@code false}.
   */
  public record Logs(String workload, List<String> instanceIds, List<LogFiles.Stream> streams, int tail,
      String sinkAddress) {}

  public record LogLines(List<String> lines) {}

  public record LogChunk(List<String> lines) {}

  public record DeleteLogs(String workload) {}

  public static final List<Class<?>> MESSAGE_TYPES = List.of(Start.class, Launched.class, Signal.class,
      Adopt.class, Scan.class, OwnedProcesses.class, Exited.class, Logs.class, LogLines.class, LogChunk.class,
      DeleteLogs.class);
}

package io.cairn.tasks;

import java.util.List;
import java.util.Map;

/**
 * What a client asked to run. {@code timeoutMillis} null means none; {@code placement} is a set of node
 * labels that must all match; {@code resources} is what the task needs (cpu in millicores, memory in
 * bytes; 0 when not given), checked against the node's capacity by the dispatcher.
 */
public record TaskSpec(List<String> command, Map<String, String> env, String workingDir, Long timeoutMillis,
    long cpuMillis, long memoryBytes, Map<String, String> placement, int retries) {
  public TaskSpec {
    command = List.copyOf(command);
    env = Map.copyOf(env);
    placement = Map.copyOf(placement);
  }
}

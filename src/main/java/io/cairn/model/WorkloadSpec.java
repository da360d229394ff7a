package io.cairn.model;

import java.util.List;
import java.util.Map;

/** Desired state of a workload, as validated from a manifest. Durations in milliseconds. */
public record WorkloadSpec(
    String name,
    Map<String, String> labels,
    int replicas,
    String driver,
    List<String> command,
    List<String> args,
    Map<String, String> env,
    String workingDir,
    Resources resources,
    RestartPolicy restartPolicy,
    long stopGracePeriodMs,
    Placement placement) {

  /** Where instances may run: {@code node} pins them to one node (null: anywhere). Null in specs stored before. */
  public record Placement(String node) {
    public static final Placement ANYWHERE = new Placement(null);
  }

  /** The placement rule, never null (specs stored before it existed have none). */
  public Placement placementOrAnywhere() {
    return placement == null ? Placement.ANYWHERE : placement;
  }

  public record Resources(long cpuMillis, long memoryBytes) {
    public static final Resources NONE = new Resources(0, 0);
  }

  public record RestartPolicy(RestartMode mode, int maxRestarts, long backoffInitialMs, long backoffMaxMs) {
    public static final RestartPolicy DEFAULT = new RestartPolicy(RestartMode.Always, 10, 1000, 30_000);
  }

  public WorkloadSpec withReplicas(int newReplicas) {
    return new WorkloadSpec(name, labels, newReplicas, driver, command, args, env, workingDir,
        resources, restartPolicy, stopGracePeriodMs, placement);
  }

  /** Full argv: command then args. */
  public List<String> argv() {
    return java.util.stream.Stream.concat(command.stream(), args.stream()).toList();
  }
}

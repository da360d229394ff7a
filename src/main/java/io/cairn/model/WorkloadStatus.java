package io.cairn.model;

/** Observed state of a workload as a whole; written only by the reconciler. */
public record WorkloadStatus(
    String name,
    Phase phase,
    int readyReplicas,
    String failureReason,
    Long failedAt,
    long observedGeneration) {

  public static WorkloadStatus pending(String name, long generation) {
    return new WorkloadStatus(name, Phase.Pending, 0, null, null, generation);
  }
}

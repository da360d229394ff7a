package io.cairn.model;

/**
 * The stored desired-state entry for a workload. {@code generation} rises on every spec change so
 * the reconciler can tell which spec its status describes; {@code deleting} marks a requested delete
 * that the reconciler finishes once every instance has stopped.
 */
public record Workload(WorkloadSpec spec, long generation, long createdAt, long updatedAt, boolean deleting) {
  public String name() {
    return spec.name();
  }
}

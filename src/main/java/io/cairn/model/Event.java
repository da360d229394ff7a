package io.cairn.model;

/** One entry of the audit stream. {@code seq} is assigned by the event log and orders events. */
public record Event(
    long seq,
    long time,
    String type,
    Severity severity,
    String node,
    String workload,
    String instance,
    String reason,
    String requestId) {

  public enum Severity { Info, Warning, Error }

  public static Event of(String type, Severity severity, String workload, String instance, String reason,
      String requestId) {
    return new Event(0, System.currentTimeMillis(), type, severity, null, workload, instance, reason, requestId);
  }

  public Event assigned(long newSeq, String nodeId) {
    return new Event(newSeq, time, type, severity, nodeId, workload, instance, reason, requestId);
  }
}

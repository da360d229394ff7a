package io.cairn.events;

/** Event type names of the audit stream; later capabilities add their own here. */
public final class EventTypes {
  public static final String TOKEN_CREATED = "TokenCreated";
  public static final String TOKEN_REVOKED = "TokenRevoked";
  public static final String WORKLOAD_APPLIED = "WorkloadApplied";
  public static final String WORKLOAD_UPDATED = "WorkloadUpdated";
  public static final String WORKLOAD_DELETED = "WorkloadDeleted";
  public static final String WORKLOAD_SCALED = "WorkloadScaled";
  public static final String WORKLOAD_RETRIED = "WorkloadRetried";
  public static final String WORKLOAD_FAILED = "WorkloadFailed";
  public static final String INSTANCE_STARTED = "InstanceStarted";
  public static final String INSTANCE_EXITED = "InstanceExited";
  public static final String INSTANCE_RESTARTED = "InstanceRestarted";
  public static final String INSTANCE_FAILED = "InstanceFailed";
  public static final String INSTANCE_ADOPTED = "InstanceAdopted";
  public static final String ADMISSION_REJECTED = "AdmissionRejected";
  public static final String GC_COLLECTED = "GcCollected";
  public static final String CHUNK_CORRUPT = "ChunkCorrupt";
  public static final String TASK_TIMED_OUT = "TaskTimedOut";
  public static final String TASK_CANCELLED = "TaskCancelled";
  public static final String TASK_LOST = "TaskLost";
  public static final String AGENT_STARTED = "AgentStarted";
  public static final String AGENT_STOPPING = "AgentStopping";
  public static final String NODE_JOINED = "NodeJoined";
  public static final String INSTANCE_PLACED = "InstancePlaced";
  public static final String NODE_READY = "NodeReady";
  public static final String NODE_DOWN = "NodeDown";
  public static final String NODE_LEFT = "NodeLeft";
  public static final String NODE_REMOVED = "NodeRemoved";
  /** A committed log entry that does not decode was skipped (every node skips it the same way). */
  public static final String LOG_ENTRY_SKIPPED = "LogEntrySkipped";

  /** A refused request (401, 403, S3 AccessDenied and kin), or a count of those from one source in a window. */
  public static final String AUTH_DENIED = "AuthDenied";

  private EventTypes() {}
}

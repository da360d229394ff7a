package io.cairn.tasks;

/** Where a task is in its life. The last five are final. */
public enum TaskState {
  /** Accepted by a node, waiting for a free task slot. */
  Queued,
  /** Given a slot; its process is being started. */
  Dispatched,
  Running,
  /** Exited 0. */
  Succeeded,
  /** Exited non-zero (or could not be started); exitCode and reason say which. */
  Failed,
  /** Killed after its timeout. */
  TimedOut,
  /** Cancelled by a client or by the node shutting down; reason says which. */
  Cancelled,
  /** Its node went away (or restarted) while it was queued or running; not re-run unless retries were asked for. */
  Lost;

  public boolean isFinal() {
    return ordinal() >= Succeeded.ordinal();
  }
}

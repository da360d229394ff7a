package io.cairn.model;

/** Where one instance of a workload is in its life. */
public enum InstanceState {
  /** Placed, process not started yet. */
  Pending,
  Running,
  /** Exited; waiting for {@code nextRestartAt} before the reconciler starts it again. */
  BackOff,
  /** SIGTERM sent; SIGKILL follows after the stop grace period. */
  Stopping,
  /** Exited 0 and the restart policy does not bring it back. */
  Succeeded,
  /** Exited and will not be restarted (policy or restart budget), or could not be started. */
  Failed;

  public boolean isLive() {
    return this == Running || this == Stopping;
  }
}

package io.cairn.reconcile;

import io.cairn.model.WorkloadSpec;
import java.util.concurrent.ThreadLocalRandom;

/** Delay before restart number {@code restarts + 1}: doubling from initial up to max, with ±10% jitter. */
final class RestartBackoff {
  private RestartBackoff() {}

  static long delayMillis(WorkloadSpec.RestartPolicy policy, int restarts) {
    double base = policy.backoffInitialMs() * Math.pow(2, Math.min(restarts, 30));
    double capped = Math.min(policy.backoffMaxMs(), base);
    double jitter = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
    return Math.max(0, Math.round(capped * jitter));
  }
}

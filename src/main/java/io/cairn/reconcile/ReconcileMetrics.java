package io.cairn.reconcile;

import io.cairn.model.InstanceState;
import io.cairn.model.Phase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** The reconciler's metrics: workload and instance counts by phase/state, restarts, pass duration, GC. */
public final class ReconcileMetrics {
  private final MeterRegistry registry;
  private final Counter restarts;
  private final Timer passDuration;
  private final java.util.Map<String, Counter> collected = new java.util.HashMap<>();

  public ReconcileMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.restarts = Counter.builder("cairn_workload_restarts").description("Instance restarts").register(registry);
    this.passDuration = Timer.builder("cairn_reconcile_duration").description("Duration of a full reconcile pass")
        .register(registry);
    for (String kind : new String[] {"process", "workload"}) {
      collected.put(kind, Counter.builder("cairn_gc_collected").tag("kind", kind)
          .description("Objects removed by the garbage collector").register(registry));
    }
  }

  /** Gauges read the reconciler's memory on scrape; their values are never stale copies. */
  void bind(WorkloadView.Memory mem) {
    for (Phase phase : Phase.values()) {
      Gauge.builder("cairn_workloads", mem, m -> m.workloads.keySet().stream()
              .filter(n -> (m.statuses.containsKey(n) ? m.statuses.get(n).phase() : Phase.Pending) == phase).count())
          .tag("phase", phase.name()).description("Workloads by phase").register(registry);
    }
    for (InstanceState state : InstanceState.values()) {
      Gauge.builder("cairn_workload_instances", mem, m -> m.instances.values().stream()
              .filter(i -> i.state() == state).count())
          .tag("state", state.name()).description("Instances by state").register(registry);
    }
  }

  void restarted() {
    restarts.increment();
  }

  void recordPass(long nanos) {
    passDuration.record(nanos, TimeUnit.NANOSECONDS);
  }

  void collected(String kind, int n) {
    collected.get(kind).increment(n);
  }
}

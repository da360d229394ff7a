package io.cairn.reconcile;

import io.cairn.model.Event;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadStatus;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import java.util.ArrayList;
import java.util.List;

/** A set of state changes and the events that describe them, committed together or not at all. */
final class Changes {
  final List<Mutation> mutations = new ArrayList<>();
  final List<Event> events = new ArrayList<>();
  /** Versions the entries must still be at when this commits (optimistic concurrency). */
  final List<io.cairn.state.LogCommand.Expect> expectations = new ArrayList<>();
  /** Workloads whose view this changes: watchers are told after the commit. */
  final java.util.Set<String> touched = new java.util.LinkedHashSet<>();

  /** Instances that now run here (claimed in the location registry after the commit) or no longer do. */
  final java.util.Set<String> located = new java.util.LinkedHashSet<>();
  final java.util.Set<String> unlocated = new java.util.LinkedHashSet<>();

  boolean isEmpty() {
    return mutations.isEmpty() && events.isEmpty();
  }

  Changes putWorkload(Workload w) {
    mutations.add(new Mutation.Put(Table.WORKLOADS, w.name(), w));
    touched.add(w.name());
    return this;
  }

  Changes deleteWorkload(String name) {
    mutations.add(new Mutation.Delete(Table.WORKLOADS, name));
    touched.add(name);
    mutations.add(new Mutation.Delete(Table.WORKLOAD_STATUS, name));
    return this;
  }

  Changes putStatus(WorkloadStatus s) {
    mutations.add(new Mutation.Put(Table.WORKLOAD_STATUS, s.name(), s));
    touched.add(s.name());
    return this;
  }

  Changes putInstance(InstanceStatus i) {
    mutations.add(new Mutation.Put(Table.INSTANCES, i.id(), i));
    touched.add(i.workload());
    (i.state().isLive() ? located : unlocated).add(i.id());
    return this;
  }

  Changes deleteInstance(WorkloadView.Memory mem, String id) {
    mutations.add(new Mutation.Delete(Table.INSTANCES, id));
    InstanceStatus gone = mem.instances.get(id);
    if (gone != null) {
      touched.add(gone.workload());
    }
    unlocated.add(id);
    return this;
  }

  /** The workload must still be at {@code resourceVersion} (0: must not exist) when this commits. */
  Changes expectWorkload(String name, long resourceVersion) {
    expectations.add(new io.cairn.state.LogCommand.Expect(Table.WORKLOADS, name, resourceVersion));
    return this;
  }

  Changes event(Event e) {
    events.add(e);
    return this;
  }
}

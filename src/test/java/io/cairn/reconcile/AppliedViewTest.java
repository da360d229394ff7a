package io.cairn.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.model.InstanceStatus;
import io.cairn.model.Workload;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's view takes changes from this node's returning commits and from the applied log,
 * in whatever order they arrive: each entry keeps the newest by log index, and the running totals
 * admission reads follow.
 */
class AppliedViewTest {
  static StorageBus.Applied applied(String proposer, long index, StorageBus.Change... changes) {
    return new StorageBus.Applied(index, proposer, List.of(changes), false);
  }

  @Test
  void anOlderChangeArrivingLateDoesNotReplaceANewerOne() {
    WorkloadView.Memory mem = new WorkloadView.Memory();
    Workload v1 = PlannerTest.workload(1, false);
    Workload v2 = PlannerTest.workload(3, false);
    assertThat(mem.take(Table.WORKLOADS, "web", v2, 12)).isTrue();
    assertThat(mem.take(Table.WORKLOADS, "web", v1, 10)).as("older").isFalse();
    assertThat(mem.workloads.get("web")).isEqualTo(v2);
    assertThat(mem.versions.get("web")).isEqualTo(12);
    assertThat(mem.take(Table.WORKLOADS, "web", v2, 12)).as("the same change seen twice is not new").isFalse();

    // a deletion is remembered: a late write from before it does not bring the entry back
    assertThat(mem.take(Table.WORKLOADS, "web", null, 14)).isTrue();
    assertThat(mem.take(Table.WORKLOADS, "web", v2, 13)).isFalse();
    assertThat(mem.workloads).doesNotContainKey("web");
    assertThat(mem.take(Table.WORKLOADS, "web", v1, 15)).as("created again later").isTrue();
    assertThat(mem.versions.get("web")).isEqualTo(15);
  }

  @Test
  void requestedTotalsAndInstancesByWorkloadFollowEveryChange() {
    WorkloadView.Memory mem = new WorkloadView.Memory();
    Workload three = PlannerTest.workload(3, false);
    long perReplica = WorkloadView.Requested.memoryOf(PlannerTest.workload(1, false));
    mem.take(Table.WORKLOADS, "web", three, 1);
    assertThat(mem.requested().memoryBytes()).isEqualTo(3 * perReplica);
    mem.take(Table.WORKLOADS, "web", PlannerTest.workload(1, false), 2);
    assertThat(mem.requested().memoryBytes()).isEqualTo(perReplica);
    mem.take(Table.WORKLOADS, "web", PlannerTest.workload(1, true), 3);
    assertThat(mem.requested().memoryBytes()).as("being deleted: requests nothing").isZero();

    InstanceStatus a = InstanceStatus.pending("web-0-a", "web", 0, "n1", "h");
    InstanceStatus b = InstanceStatus.pending("web-1-b", "web", 1, "n2", "h");
    mem.take(Table.INSTANCES, b.id(), b, 4);
    mem.take(Table.INSTANCES, a.id(), a, 4);
    assertThat(mem.instancesOf("web")).containsExactly(a, b);
    mem.take(Table.INSTANCES, a.id(), null, 5);
    assertThat(mem.instancesOf("web")).containsExactly(b);
    assertThat(mem.instancesOf("other")).isEmpty();
  }

  @Test
  void ownCommandsFromTheLogKeepTheViewInOrderButTouchNothing() {
    AppliedView view = new AppliedView("n1", true);
    Workload w = PlannerTest.workload(1, false);
    InstanceStatus placed = InstanceStatus.pending("web-0-a", "web", 0, "n2", "h");
    AppliedView.Touched own = view.apply(applied("n1", 7, new StorageBus.Change(Table.WORKLOADS, "web", w, 7)));
    assertThat(own.any()).isFalse();
    assertThat(view.mem.workloads).containsKey("web");
    AppliedView.Touched other = view.apply(applied("n2", 8,
        new StorageBus.Change(Table.INSTANCES, placed.id(), placed, 8)));
    assertThat(other.workloads()).containsExactly("web");
    assertThat(other.placed()).containsExactly(placed);
    // seen again (a commit's own return after the log delivered it): nothing new
    assertThat(view.apply(applied("n2", 8, new StorageBus.Change(Table.INSTANCES, placed.id(), placed, 8))).any())
        .isFalse();
  }

  @Test
  void frontEndsReadEachWorkloadAsLastPublishedWholeUntilItIsRemoved() {
    AppliedView view = new AppliedView("n1", true);
    WorkloadReads reads = view.mem.published;
    Workload w = PlannerTest.workload(1, false);
    view.mem.take(Table.WORKLOADS, "web", w, 3);
    assertThat(reads.get("web")).as("taken but not yet published").isNull();
    view.mem.publish();
    assertThat(reads.get("web").workload()).isEqualTo(w);
    assertThat(reads.get("web").resourceVersion()).isEqualTo(3);

    // every applied command is published as it is taken: another node's, and this node's own
    // (which may reach the view before its commit returns here)
    InstanceStatus placed = InstanceStatus.pending("web-0-a", "web", 0, "n2", "h");
    view.apply(applied("n2", 4, new StorageBus.Change(Table.INSTANCES, placed.id(), placed, 4)));
    assertThat(reads.get("web").instances()).containsExactly(placed);
    long before = reads.get("web").revision();
    Workload scaled = PlannerTest.workload(2, false);
    view.apply(applied("n1", 5, new StorageBus.Change(Table.WORKLOADS, "web", scaled, 5)));
    assertThat(reads.get("web").workload()).isEqualTo(scaled);
    assertThat(reads.get("web").revision()).as("a new revision: front ends render it again").isGreaterThan(before);

    view.apply(applied("n2", 6, new StorageBus.Change(Table.WORKLOADS, "web", null, 6)));
    assertThat(reads.get("web")).as("removed").isNull();
  }
}

package io.cairn.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.model.InstanceState;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadSpec;
import io.cairn.testing.Manifests;
import io.cairn.workload.ManifestValidator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The planner alone: what one node does for one workload, given the view. */
class PlannerTest {
  static final ManifestValidator.Policy POLICY = new ManifestValidator.Policy(100, List.of(java.nio.file.Path.of("/tmp")));

  static Workload workload(int replicas, boolean deleting) {
    WorkloadSpec spec;
    try {
      spec = ManifestValidator.validate("web", new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(Manifests.workload("web", replicas, "sleep", "1").encode()), POLICY);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    return new Workload(spec, 1, 0, 0, deleting);
  }

  static List<Planner.Step> plan(Workload w, List<InstanceStatus> instances, String self, boolean placing,
      List<String> nodes) {
    AtomicInteger ids = new AtomicInteger();
    return Planner.plan(w, instances, false, self, placing, planned -> {
      // least loaded by count, as the cluster placer does
      List<InstanceStatus> all = new ArrayList<>(instances);
      all.addAll(planned);
      return nodes.stream().min(java.util.Comparator.comparingLong(n -> all.stream()
          .filter(i -> i.nodeId().equals(n)).count())).orElse(null);
    }, slot -> "web-" + slot + "-" + ids.incrementAndGet(), 1_000);
  }

  @Test
  void thePlacingNodeSpreadsNewInstancesAndOnlyItsOwnAreStartedHere() {
    Workload w = workload(3, false);
    List<Planner.Step> steps = plan(w, List.of(), "a", true, List.of("a", "b", "c"));
    assertThat(steps).hasSize(3).allMatch(s -> s instanceof Planner.Place);
    assertThat(steps.stream().map(s -> ((Planner.Place) s).instance().nodeId()).toList())
        .containsExactlyInAnyOrder("a", "b", "c");
    assertThat(plan(w, List.of(), "b", false, List.of("a", "b", "c"))).as("a node that does not place waits").isEmpty();
  }

  @Test
  void aNodeStartsItsPendingInstancesAndStopsOnlyItsOwnUnwantedOnes() {
    Workload w = workload(1, false);
    String hash = Planner.launchHash(w.spec());
    InstanceStatus pendingHere = InstanceStatus.pending("web-0-x", "web", 0, "b", hash);
    InstanceStatus extraHere = InstanceStatus.pending("web-1-y", "web", 1, "b", hash)
        .running(10L, 5L, 5L, hash);
    InstanceStatus extraThere = InstanceStatus.pending("web-2-z", "web", 2, "c", hash).running(11L, 5L, 5L, hash);
    List<Planner.Step> steps = plan(w, List.of(pendingHere, extraHere, extraThere), "b", false, List.of("b", "c"));
    assertThat(steps).containsExactlyInAnyOrder(new Planner.Stop(extraHere), new Planner.Launch(pendingHere));
  }

  @Test
  void aReplacementWaitsUntilTheOldProcessIsGoneAndABackOffWaitsForItsTime() {
    Workload w = workload(1, false);
    InstanceStatus stale = InstanceStatus.pending("web-0-old", "web", 0, "a", "oldhash").running(10L, 5L, 5L, "oldhash");
    List<Planner.Step> steps = plan(w, List.of(stale), "a", true, List.of("a"));
    assertThat(steps).containsExactly(new Planner.Stop(stale));
    String hash = Planner.launchHash(w.spec());
    InstanceStatus backingOff = InstanceStatus.pending("web-0-x", "web", 0, "a", hash).exited(InstanceState.BackOff, 1,
        5_000L, "exited with code 1");
    assertThat(plan(w, List.of(backingOff), "a", true, List.of("a"))).containsExactly(new Planner.WakeAt(5_000L));
    assertThat(plan(workload(1, true), List.of(backingOff), "a", true, List.of("a")))
        .containsExactly(new Planner.Stop(backingOff));
  }
}

package io.cairn.reconcile;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.events.EventTypes;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Event;
import io.cairn.model.Event.Severity;
import io.cairn.model.FieldError;
import io.cairn.model.InstanceState;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Phase;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadSpec;
import io.cairn.model.WorkloadStatus;
import io.cairn.node.NodeResources;
import io.cairn.workload.ManifestValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations front ends call: apply, get, list, delete, scale, retry. Each validates, checks
 * admission, commits the spec change with its event, and lets the reconciler act at once.
 */
final class WorkloadService {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadService.class);

  private final Vertx vertx;
  private final Reconciler reconciler;
  private final Admission admission;
  private final NodeResources resources;
  private final ManifestValidator.Policy policy;
  private final boolean clustered;
  private final CommittedOrder order;
  private final LoadedView loaded;

  /**
   * {@code clustered}: applies do not wait in the reconciler's queue. A commit there is a round of
   * the Raft log, so applies run side by side, each guarded by the version it read (a concurrent
   * apply of the same workload makes it read again and retry), and the reply comes once the spec
   * is committed; placing and starting follow. On a single node a commit costs about a millisecond:
   * applies queue, and the reply already tells how the first start went.
   */
  WorkloadService(Vertx vertx, Reconciler reconciler, Admission admission, NodeResources resources,
      ManifestValidator.Policy policy, boolean clustered, CommittedOrder order, LoadedView loaded) {
    this.vertx = vertx;
    this.loaded = loaded;
    this.order = order;
    this.clustered = clustered;
    this.policy = policy;
    this.reconciler = reconciler;
    this.admission = admission;
    this.resources = resources;
  }

  Future<ReconcileBus.Applied> apply(ReconcileBus.Apply request, String requestId) {
    WorkloadSpec spec = ManifestValidator.validate(request.name(), request.manifest(), policy);
    Long expected = expectedVersion(request);
    return loaded.then(() -> clustered
        ? retryingLostRaces(() -> applyNow(spec, expected, requestId, false, false), ATTEMPTS, requestId)
        : reconciler.submit(() -> applyNow(spec, expected, requestId, false, false)));
  }

  /** Attempts of a write without a client-given version, when other writes of the same workload win. */
  private static final int ATTEMPTS = 5;

  /** Another write of the workload committed between reading it and committing this one. */
  private static final class LostRace extends RuntimeException {
    LostRace(Throwable cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  /**
   * Runs {@code attempt} again when it lost a race, once this node's view holds the write that won
   * (committed before now: a read index), so the next attempt does not read the same stale view.
   */
  private <T> Future<T> retryingLostRaces(java.util.function.Supplier<Future<T>> attempt, int attemptsLeft,
      String requestId) {
    Future<T> tried;
    try {
      tried = attempt.get();
    } catch (RuntimeException e) {
      tried = Future.failedFuture(e);
    }
    return tried.recover(e -> {
      if (!(e instanceof LostRace lost)) {
        return Future.failedFuture(e);
      }
      return attemptsLeft > 1
          ? order.current(requestId).compose(v -> retryingLostRaces(attempt, attemptsLeft - 1, requestId))
          : Future.failedFuture(lost.getCause());
    });
  }

  /**
   * Commits a change of workload {@code name}'s spec decided on the version read. A cluster checks
   * that version where it commits (another node, or another apply here, may write first): then the
   * write is a {@link LostRace} to read again, or a conflict if the client named the version.
   */
  private Future<Void> commitSpec(Changes changes, String name, long readVersion, Long clientVersion,
      String requestId) {
    if (clientVersion != null || clustered) {
      changes.expectWorkload(name, clientVersion != null ? clientVersion : readVersion);
    }
    return reconciler.commit(changes, requestId).recover(e -> Future.failedFuture(
        clientVersion == null && CairnException.from(e).code() == ErrorCode.CONFLICT ? new LostRace(e) : e));
  }

  /**
   * {@code waited}: the view already holds the client's version (or was made to wait for it);
   * {@code confirmed}: the view was confirmed current with the leader (read index).
   */
  private Future<ReconcileBus.Applied> applyNow(WorkloadSpec spec, Long expected, String requestId, boolean waited,
      boolean confirmed) {
    WorkloadView.Memory mem = reconciler.mem;
    Workload existing = mem.workloads.get(spec.name());
    long current = existing == null ? 0 : mem.versions.getOrDefault(spec.name(), 0L);
    if (expected != null && expected > current && !waited) {
      // the client saw a newer version than this node's view holds: judge once the view has it
      return order.applied(expected, requestId).compose(v -> applyNow(spec, expected, requestId, true, confirmed));
    }
    if (expected != null && current != expected && !confirmed && current < expected) {
      // not a version of this workload this node has seen: refuse only what the committed state refuses,
      // naming its version
      return order.current(requestId).compose(v -> applyNow(spec, expected, requestId, true, true));
    }
    if (expected != null && current != expected) {
      throw new CairnException(ErrorCode.CONFLICT, existing == null
          ? "workload '" + spec.name() + "' does not exist (resourceVersion " + expected + " was given)"
          : "workload '" + spec.name() + "' is at resourceVersion " + current + ", not " + expected
              + ": read it again and apply your change to that",
          List.of(new FieldError("metadata.resourceVersion", "stale", java.util.Map.of("current",
              Long.toString(current)))));
    }
    if (existing != null && existing.deleting()) {
      throw new CairnException(ErrorCode.CONFLICT, "workload '" + spec.name() + "' is being deleted; apply again once it is gone");
    }
    if (existing != null && existing.spec().equals(spec)) {
      if (!confirmed) { // unchanged in this node's view; is that view the committed state?
        return order.current(requestId).compose(v -> applyNow(spec, expected, requestId, true, true));
      }
      // the same answer as the first apply: a spec that cannot exec stays a 422 until it changes
      return startOutcome(spec.name(), false);
    }
    boolean growing = existing == null || requests(spec) > requests(existing.spec());
    return admit(spec, growing, requestId).compose(v -> {
      long now = System.currentTimeMillis();
      Workload next = existing == null ? new Workload(spec, 1, now, now, false)
          : new Workload(spec, existing.generation() + 1, existing.createdAt(), now, false);
      Changes changes = new Changes().putWorkload(next);
      changes.event(Event.of(existing == null ? EventTypes.WORKLOAD_APPLIED : EventTypes.WORKLOAD_UPDATED,
              Severity.Info, spec.name(), null, "generation " + next.generation(), requestId));
      if (existing == null || isFailed(spec.name())) {
        // a new or changed spec gets a fresh start: pending status, restart budgets cleared
        changes.putStatus(WorkloadStatus.pending(spec.name(), next.generation()));
        resetBudgets(changes, spec.name());
      }
      Future<Void> committed = commitSpec(changes, spec.name(), current, expected, requestId).onSuccess(x ->
          LOG.info("workload {} {} {} {}", existing == null ? "created" : "updated", kv("workload", spec.name()),
              kv("generation", next.generation()), kv("requestId", requestId)));
      if (clustered) {
        return committed.compose(x -> {
          reconciler.reconcileLater(spec.name());
          return startOutcome(spec.name(), existing == null);
        });
      }
      return committed.compose(x -> reconciler.reconcile(spec.name(), requestId))
          .compose(x -> startOutcome(spec.name(), existing == null));
    });
  }

  /** If-Match, or the manifest's metadata.resourceVersion; both given must agree. */
  private static Long expectedVersion(ReconcileBus.Apply request) {
    Long fromHeader = null;
    if (request.ifMatch() != null && !request.ifMatch().isBlank() && !request.ifMatch().trim().equals("*")) {
      fromHeader = ManifestValidator.resourceVersion(request.ifMatch());
      if (fromHeader == null) {
        throw CairnException.invalid(List.of(new FieldError("If-Match", "must be a resource version as read from the server")));
      }
    }
    com.fasterxml.jackson.databind.JsonNode v = request.manifest() == null ? null
        : request.manifest().path("metadata").get("resourceVersion");
    Long fromBody = v == null || v.isNull() || v.asText().isEmpty() ? null : ManifestValidator.resourceVersion(v.asText());
    if (fromHeader != null && fromBody != null && !fromHeader.equals(fromBody)) {
      throw CairnException.invalid(List.of(new FieldError("metadata.resourceVersion",
          "differs from If-Match (" + fromHeader + ")")));
    }
    return fromHeader != null ? fromHeader : fromBody;
  }

  /** A first start that failed to exec is the apply's own error, not only a status to find later. */
  private Future<ReconcileBus.Applied> startOutcome(String name, boolean created) {
    WorkloadView view = reconciler.mem.view(name);
    String reason = view.status().failureReason();
    if (view.status().phase() == Phase.Failed && reason != null && reason.startsWith("EXEC_FAILED")) {
      return Future.failedFuture(new CairnException(ErrorCode.EXEC_FAILED, reason,
          List.of(new FieldError("spec.command", reason))));
    }
    return Future.succeededFuture(new ReconcileBus.Applied(created, view));
  }

  private Future<Void> admit(WorkloadSpec spec, boolean growing, String requestId) {
    return vertx.executeBlocking(resources::snapshot).compose(snapshot -> {
      try {
        admission.check(spec, reconciler.mem.workloads.get(spec.name()), reconciler.mem.requested(), snapshot,
            growing);
        return Future.succeededFuture();
      } catch (CairnException rejected) {
        LOG.info("admission rejected {} {} {}", kv("workload", spec.name()), kv("reason", rejected.getMessage()),
            kv("requestId", requestId));
        String why = rejected.details().stream().map(d -> d.field() + ": " + d.message()).reduce((a, b) -> a + "; " + b)
            .orElse(rejected.getMessage());
        return reconciler.commit(new Changes().event(Event.of(EventTypes.ADMISSION_REJECTED, Severity.Warning,
                spec.name(), null, why, requestId)), requestId)
            .compose(v -> Future.failedFuture(rejected));
      }
    });
  }

  private static long requests(WorkloadSpec spec) {
    return (spec.resources().cpuMillis() + spec.resources().memoryBytes()) * spec.replicas();
  }

  Future<WorkloadView> delete(String name, String requestId) {
    ManifestValidator.checkName(name);
    return loaded.then(() -> deleteLoaded(name, requestId));
  }

  private Future<WorkloadView> deleteLoaded(String name, String requestId) {
    return retryingLostRaces(() -> reconciler.submit(() -> {
      Workload w = existing(name).workload();
      long read = reconciler.mem.versions.getOrDefault(name, 0L);
      if (w.deleting()) {
        return Future.succeededFuture(reconciler.mem.view(name));
      }
      LOG.info("workload delete requested {} {}", kv("workload", name), kv("requestId", requestId));
      Changes changes = new Changes()
          .putWorkload(new Workload(w.spec(), w.generation(), w.createdAt(), System.currentTimeMillis(), true))
          .event(Event.of(EventTypes.WORKLOAD_DELETED, Severity.Info, name, null, "delete requested", requestId));
      return commitSpec(changes, name, read, null, requestId)
          .compose(v -> reconciler.reconcile(name, requestId))
          .map(v -> {
            WorkloadView view = reconciler.mem.view(name);
            return view != null ? view : goneView(w);
          });
    }), ATTEMPTS, requestId);
  }

  /** What a delete replies when every instance was already stopped and the workload is gone. */
  private static WorkloadView goneView(Workload w) {
    return new WorkloadView(w, new WorkloadStatus(w.name(), Phase.Stopping, 0, null, null, w.generation()), List.of(),
        -1, 0);
  }

  Future<WorkloadView> scale(ReconcileBus.Scale request, String requestId) {
    ManifestValidator.checkName(request.name());
    ManifestValidator.checkReplicas(request.replicas());
    return loaded.then(() -> scaleLoaded(request, requestId));
  }

  private Future<WorkloadView> scaleLoaded(ReconcileBus.Scale request, String requestId) {
    return retryingLostRaces(() -> reconciler.submit(() -> {
      Workload w = existing(request.name()).workload();
      long read = reconciler.mem.versions.getOrDefault(w.name(), 0L);
      if (w.deleting()) {
        throw new CairnException(ErrorCode.CONFLICT, "workload '" + w.name() + "' is being deleted");
      }
      WorkloadSpec spec = w.spec().withReplicas((int) request.replicas());
      if (spec.equals(w.spec())) {
        return Future.succeededFuture(reconciler.mem.view(w.name()));
      }
      return admit(spec, spec.replicas() > w.spec().replicas(), requestId).compose(v -> {
        Workload next = new Workload(spec, w.generation() + 1, w.createdAt(), System.currentTimeMillis(), false);
        return commitSpec(new Changes().putWorkload(next)
                .event(Event.of(EventTypes.WORKLOAD_SCALED, Severity.Info, w.name(), null,
                    "replicas " + w.spec().replicas() + " -> " + spec.replicas(), requestId)), w.name(), read, null,
                requestId)
            .compose(x -> reconciler.reconcile(w.name(), requestId))
            .map(x -> reconciler.mem.view(w.name()));
      });
    }), ATTEMPTS, requestId);
  }

  Future<WorkloadView> retry(String name, String requestId) {
    ManifestValidator.checkName(name);
    return loaded.then(() -> retryLoaded(name, requestId));
  }

  private Future<WorkloadView> retryLoaded(String name, String requestId) {
    return reconciler.submit(() -> {
      WorkloadView view = existing(name);
      if (view.status().phase() != Phase.Failed) {
        throw new CairnException(ErrorCode.CONFLICT, "workload '" + name + "' is " + view.status().phase()
            + ", not Failed; there is nothing to retry");
      }
      Changes changes = new Changes()
          .putStatus(WorkloadStatus.pending(name, view.workload().generation()))
          .event(Event.of(EventTypes.WORKLOAD_RETRIED, Severity.Info, name, null, "restart budget reset", requestId));
      resetBudgets(changes, name);
      return reconciler.commit(changes, requestId)
          .compose(v -> reconciler.reconcile(name, requestId))
          .map(v -> reconciler.mem.view(name));
    });
  }

  /** Failed and backed-off instances start over with a full restart budget. */
  private void resetBudgets(Changes changes, String name) {
    for (InstanceStatus inst : reconciler.mem.instancesOf(name)) {
      if (inst.state() == InstanceState.Failed || inst.state() == InstanceState.Succeeded) {
        changes.deleteInstance(reconciler.mem, inst.id());
      } else if (inst.restarts() > 0) {
        changes.putInstance(inst.withRestarts(0));
      }
    }
  }

  private boolean isFailed(String name) {
    WorkloadStatus s = reconciler.mem.statuses.get(name);
    return s != null && s.phase() == Phase.Failed;
  }

  private WorkloadView existing(String name) {
    WorkloadView view = reconciler.mem.view(name);
    if (view == null) {
      throw CairnException.notFound("workload", name);
    }
    return view;
  }
}

package io.cairn.workload;

import io.cairn.model.Durations;
import io.cairn.model.InstanceStatus;
import io.cairn.model.Quantities;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadSpec;
import io.cairn.model.WorkloadStatus;
import io.cairn.reconcile.WorkloadView;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;

/** Renders a workload as the manifest it was applied from plus metadata and status. */
public final class WorkloadJson {
  private WorkloadJson() {}

  public static JsonObject render(WorkloadView view) {
    Workload w = view.workload();
    WorkloadSpec s = w.spec();
    JsonObject metadata = new JsonObject().put("name", s.name()).put("labels", new JsonObject(new java.util.LinkedHashMap<>(s.labels())))
        .put("generation", w.generation()).put("resourceVersion", Long.toString(view.resourceVersion()))
        .put("createdAt", time(w.createdAt())).put("updatedAt", time(w.updatedAt()));
    JsonObject resources = new JsonObject();
    if (s.resources().cpuMillis() > 0) {
      resources.put("cpu", Quantities.formatMillicores(s.resources().cpuMillis()));
    }
    if (s.resources().memoryBytes() > 0) {
      resources.put("memory", Quantities.formatBytes(s.resources().memoryBytes()));
    }
    JsonObject spec = new JsonObject()
        .put("replicas", s.replicas())
        .put("driver", s.driver())
        .put("command", new JsonArray(s.command()))
        .put("args", new JsonArray(s.args()))
        .put("env", new JsonObject(new java.util.LinkedHashMap<>(s.env())))
        .put("workingDir", s.workingDir())
        .put("resources", resources)
        .put("restartPolicy", new JsonObject()
            .put("mode", s.restartPolicy().mode().name())
            .put("maxRestarts", s.restartPolicy().maxRestarts())
            .put("backoff", new JsonObject()
                .put("initial", duration(s.restartPolicy().backoffInitialMs()))
                .put("max", duration(s.restartPolicy().backoffMaxMs()))))
        .put("stopGracePeriod", duration(s.stopGracePeriodMs()));
    if (s.placementOrAnywhere().node() != null) {
      spec.put("placement", new JsonObject().put("node", s.placementOrAnywhere().node()));
    }
    return new JsonObject().put("apiVersion", ManifestValidator.API_VERSION).put("kind", ManifestValidator.KIND)
        .put("metadata", metadata).put("spec", spec).put("status", status(view.status(), view));
  }

  /** OOMKilled, Completed or Error, as Kubernetes reports a terminated container; null before any exit. */
  private static String exitReason(InstanceStatus i) {
    if (i.message() != null && i.message().startsWith("OOMKilled")) {
      return "OOMKilled";
    }
    return i.lastExitCode() == null ? null : i.lastExitCode() == 0 ? "Completed" : "Error";
  }

  private static JsonObject status(WorkloadStatus st, WorkloadView view) {
    JsonArray instances = new JsonArray();
    for (InstanceStatus i : view.instances()) {
      instances.add(new JsonObject()
          .put("id", i.id())
          .put("node", i.nodeId())
          .put("pid", i.pid())
          .put("state", i.state().name())
          .put("restarts", i.restarts())
          .put("lastExitCode", i.lastExitCode())
          .put("lastExitReason", exitReason(i))
          .put("startedAt", time(i.startedAt()))
          .put("nextRestartAt", time(i.nextRestartAt()))
          .put("message", i.message()));
    }
    return new JsonObject()
        .put("phase", st.phase().name())
        .put("readyReplicas", st.readyReplicas())
        .put("failureReason", st.failureReason())
        .put("observedGeneration", st.observedGeneration())
        .put("instances", instances);
  }

  public static String time(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis).toString();
  }

  private static String duration(long millis) {
    return Durations.format(Duration.ofMillis(millis));
  }
}

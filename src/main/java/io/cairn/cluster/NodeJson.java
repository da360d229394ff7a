package io.cairn.cluster;

import io.cairn.health.HealthBus;
import io.cairn.workload.WorkloadJson;
import io.vertx.core.json.JsonObject;

/** A cluster member as REST renders it (and gRPC parses from it): one shape in both modes. */
public final class NodeJson {
  private NodeJson() {}

  public static JsonObject render(ClusterBus.NodeView view) {
    NodeRecord r = view.record();
    return new JsonObject().put("id", r.id()).put("name", r.name()).put("state", r.state().name())
        .put("server", r.server()).put("raftRole", view.raftRole())
        .put("labels", new JsonObject(new java.util.LinkedHashMap<>(r.labels())))
        .put("addresses", new JsonObject().put("api", r.addresses().api()).put("s3", r.addresses().s3())
            .put("cluster", r.addresses().cluster()).put("raft", r.addresses().raft()))
        .put("capacity", capacity(r.capacity().cpuMillis(), r.capacity().memoryBytes(), r.capacity().diskBytes()))
        .put("usage", view.usage() == null ? null
            : usage(view.usage().cpuPercent(), view.usage().memoryBytes(), view.usage().diskBytes()))
        .put("lastHeartbeat", WorkloadJson.time(view.lastHeartbeat())).put("version", r.version())
        .put("registeredAt", WorkloadJson.time(r.registeredAt())).put("stateSince", WorkloadJson.time(r.stateSince()))
        .put("reason", r.reason());
  }

  /** A single node: Ready, no Raft role, no peer addresses. */
  public static JsonObject single(HealthBus.NodeInfo info) {
    return new JsonObject().put("id", info.id()).put("name", info.name())
        .put("state", NodeRecord.State.Ready.name()).put("server", false).put("raftRole", "none")
        .put("labels", new JsonObject(new java.util.LinkedHashMap<>(info.labels())))
        .put("addresses", new JsonObject().put("api", info.apiAddress()).put("s3", info.s3Address())
            .put("cluster", null).put("raft", null))
        .put("capacity", capacity(info.resources().capacity().cpuMillis(), info.resources().capacity().memoryBytes(),
            info.resources().capacity().diskBytes()))
        .put("usage", usage(info.resources().cpuPercent(), info.resources().used().memoryBytes(),
            info.resources().used().diskBytes()))
        .put("lastHeartbeat", null).put("version", info.version())
        .put("registeredAt", WorkloadJson.time(info.startedAt()));
  }

  private static JsonObject capacity(long cpuMillis, long memoryBytes, long diskBytes) {
    return new JsonObject().put("cpus", cpuMillis / 1000.0).put("memoryBytes", memoryBytes).put("diskBytes", diskBytes);
  }

  private static JsonObject usage(double cpuPercent, long memoryBytes, long diskBytes) {
    return new JsonObject().put("cpuPercent", Math.round(cpuPercent * 10) / 10.0).put("memoryBytes", memoryBytes)
        .put("diskBytes", diskBytes);
  }
}

package io.cairn.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cairn.health.HealthBus;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Json;
import io.cairn.node.NodeResources;
import io.cairn.reconcile.WorkloadView;
import io.cairn.workload.WorkloadJson;
import io.cairn.grpc.v1.Node;
import io.cairn.grpc.v1.NodeUsage;
import io.cairn.grpc.v1.Workload;

/**
 * Workloads cross the gRPC edge through their JSON form, which the proto mirrors field for field,
 * so REST and gRPC render and validate one document one way.
 */
final class GrpcMapping {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer();

  private GrpcMapping() {}

  static Workload workload(WorkloadView view) {
    return workload(view, false);
  }

  /** {@code redactEnv}: the caller is a reader, who sees env names, not values. */
  static Workload workload(WorkloadView view, boolean redactEnv) {
    Workload.Builder b = Workload.newBuilder();
    try {
      io.vertx.core.json.JsonObject json = WorkloadJson.render(view);
      PARSER.merge((redactEnv ? io.cairn.workload.Redaction.env(json) : json).encode(), b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("workload JSON does not fit the proto", e);
    }
    return b.build();
  }

  /** The manifest as the tree the workload service validates (status dropped: it is not input). */
  static JsonNode manifest(Workload workload) {
    try {
      return Json.MAPPER.readTree(PRINTER.print(workload.toBuilder().clearStatus().build()));
    } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new CairnException(ErrorCode.INVALID_ARGUMENT, "workload cannot be read: " + e.getMessage());
    }
  }

  /** A cluster member from its REST shape (the proto mirrors it field for field). */
  static Node node(io.vertx.core.json.JsonObject json) {
    Node.Builder b = Node.newBuilder();
    try {
      io.vertx.core.json.JsonObject copy = json.copy();
      copy.fieldNames().removeIf(k -> copy.getValue(k) == null);
      PARSER.merge(copy.encode(), b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("node JSON does not fit the proto", e);
    }
    return b.build();
  }

  /** This node: the single-node shape plus its start time and percentages. */
  static Node node(HealthBus.NodeInfo info) {
    Node cluster = node(io.cairn.cluster.NodeJson.single(info));
    NodeResources.Snapshot r = info.resources();
    return cluster.toBuilder().setId(info.id()).setName(info.name()).setVersion(info.version())
        .setStartedAt(WorkloadJson.time(info.startedAt()))
        .setCapacity(io.cairn.grpc.v1.NodeResources.newBuilder().setCpus(r.capacity().cpuMillis() / 1000.0)
            .setMemoryBytes(r.capacity().memoryBytes()).setDiskBytes(r.capacity().diskBytes()))
        .setUsage(NodeUsage.newBuilder().setCpuPercent(r.cpuPercent()).setMemoryBytes(r.used().memoryBytes())
            .setMemoryPercent(r.memoryPercent()).setDiskBytes(r.used().diskBytes()).setDiskPercent(r.diskPercent()))
        .build();
  }
}

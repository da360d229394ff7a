package io.cairn.grpc;

import com.google.protobuf.Descriptors;
import io.cairn.bus.Bus;
import io.cairn.cluster.ClusterBus;
import io.cairn.cluster.NodeJson;
import io.cairn.grpc.v1.ListNodesResponse;
import io.cairn.grpc.v1.NodeServiceGrpcService;
import io.vertx.core.Future;
import io.cairn.health.HealthBus;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.Service;
import java.time.Duration;

/** {@code cairn.v1.NodeService}. */
final class NodeGrpc implements Service {
  private final Vertx vertx;
  private final Duration maxTimeout;

  private final boolean clustered;

  NodeGrpc(Vertx vertx, Duration maxTimeout, boolean clustered) {
    this.vertx = vertx;
    this.maxTimeout = maxTimeout;
    this.clustered = clustered;
  }

  @Override
  public ServiceName name() {
    return NodeServiceGrpcService.SERVICE_NAME;
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return NodeServiceGrpcService.SERVICE_DESCRIPTOR;
  }

  @Override
  public void bind(GrpcServer server) {
    GrpcCalls.unary(server, NodeServiceGrpcService.GetNode, maxTimeout, (req, call) -> {
      if (req.getId().isEmpty() || !clustered) {
        return Bus.<HealthBus.NodeInfo>request(vertx, HealthBus.NODE_INFO, new HealthBus.NodeInfoQuery(), call.timeout(),
                call.requestId())
            .compose(info -> req.getId().isEmpty() || req.getId().equals(info.id())
                ? Future.succeededFuture(GrpcMapping.node(info))
                : Future.failedFuture(io.cairn.model.CairnException.notFound("node", req.getId())));
      }
      return Bus.<ClusterBus.NodeView>request(vertx, ClusterBus.NODE, new ClusterBus.GetNode(req.getId()), call.timeout(),
          call.requestId()).map(v -> GrpcMapping.node(NodeJson.render(v)));
    });
    GrpcCalls.unary(server, NodeServiceGrpcService.ListNodes, maxTimeout, (req, call) -> clustered
        ? Bus.<ClusterBus.Nodes>request(vertx, ClusterBus.NODES, new ClusterBus.ListNodes(), call.timeout(),
            call.requestId()).map(n -> ListNodesResponse.newBuilder()
                .addAllItems(n.nodes().stream().map(v -> GrpcMapping.node(NodeJson.render(v))).toList()).build())
        : Bus.<HealthBus.NodeInfo>request(vertx, HealthBus.NODE_INFO, new HealthBus.NodeInfoQuery(), call.timeout(),
            call.requestId()).map(info -> ListNodesResponse.newBuilder().addItems(GrpcMapping.node(info)).build()));
  }
}

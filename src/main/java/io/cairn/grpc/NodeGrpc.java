package io.cairn.grpc;

import com.google.protobuf.Descriptors;
import io.cairn.bus.Bus;
import io.cairn.grpc.v1.NodeServiceGrpcService;
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

  NodeGrpc(Vertx vertx, Duration maxTimeout) {
    this.vertx = vertx;
    this.maxTimeout = maxTimeout;
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
    GrpcCalls.unary(server, NodeServiceGrpcService.GetNode, maxTimeout, (req, call) ->
        Bus.<HealthBus.NodeInfo>request(vertx, HealthBus.NODE_INFO, new HealthBus.NodeInfoQuery(), call.timeout(),
            call.requestId()).map(GrpcMapping::node));
  }
}

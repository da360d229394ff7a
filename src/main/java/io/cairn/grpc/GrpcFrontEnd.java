package io.cairn.grpc;

import io.cairn.bus.Bus;
import io.cairn.health.HealthBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.health.HealthService;
import io.vertx.grpc.reflection.ReflectionService;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import java.time.Duration;

/**
 * The gRPC front end, served on the REST port: Cairn's services, the standard health service
 * (overall "" and one name per Cairn service, each agreeing with /health/ready) and reflection.
 */
public final class GrpcFrontEnd {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  private GrpcFrontEnd() {}

  public static GrpcServer create(Vertx vertx, Duration requestTimeout, String nodeId, boolean clustered) {
    WorkloadGrpc workloads = new WorkloadGrpc(vertx, requestTimeout, nodeId);
    NodeGrpc node = new NodeGrpc(vertx, requestTimeout, clustered);
    TaskGrpc tasks = new TaskGrpc(vertx, requestTimeout, clustered);
    HealthService health = HealthService.create(vertx);
    for (String name : new String[] {"", workloads.name().fullyQualifiedName(), node.name().fullyQualifiedName(),
        tasks.name().fullyQualifiedName()}) {
      health.register(name, () -> ready(vertx));
    }
    return GrpcServer.server(vertx, new GrpcServerOptions().setScheduleDeadlineAutomatically(true))
        .addService(workloads)
        .addService(node)
        .addService(tasks)
        .addService(health)
        .addService(ReflectionService.v1());
  }

  private static Future<Boolean> ready(Vertx vertx) {
    return Bus.<HealthBus.Report>request(vertx, HealthBus.PROBE, new HealthBus.Probe(HealthBus.Kind.ready),
        PROBE_TIMEOUT, null).map(HealthBus.Report::up).otherwise(false);
  }

  /** gRPC requests are told apart from REST ones by their content type. */
  public static boolean isGrpc(HttpServerRequest request) {
    String type = request.getHeader("content-type");
    return type != null && type.startsWith("application/grpc");
  }
}

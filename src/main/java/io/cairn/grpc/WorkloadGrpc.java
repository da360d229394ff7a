package io.cairn.grpc;

import com.google.protobuf.Descriptors;
import io.cairn.bus.Bus;
import io.cairn.grpc.v1.ApplyRequest;
import io.cairn.grpc.v1.ApplyResponse;
import io.cairn.grpc.v1.ListWorkloadsResponse;
import io.cairn.grpc.v1.LogLine;
import io.cairn.grpc.v1.LogsRequest;
import io.cairn.grpc.v1.WatchEvent;
import io.cairn.grpc.v1.WatchRequest;
import io.cairn.grpc.v1.Workload;
import io.cairn.grpc.v1.WorkloadServiceGrpcService;
import io.cairn.reconcile.ReconcileBus;
import io.cairn.reconcile.WorkloadView;
import io.cairn.workload.LogFollow;
import io.cairn.workload.WorkloadWatch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;
import java.time.Duration;

/** {@code cairn.v1.WorkloadService}: the same event-bus operations as REST, no logic of its own. */
final class WorkloadGrpc implements Service {
  private final Vertx vertx;
  private final Duration maxTimeout;

  private final String nodeId;

  WorkloadGrpc(Vertx vertx, Duration maxTimeout, String nodeId) {
    this.nodeId = nodeId;
    this.vertx = vertx;
    this.maxTimeout = maxTimeout;
  }

  @Override
  public ServiceName name() {
    return WorkloadServiceGrpcService.SERVICE_NAME;
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return WorkloadServiceGrpcService.SERVICE_DESCRIPTOR;
  }

  @Override
  public void bind(GrpcServer server) {
    GrpcCalls.unary(server, WorkloadServiceGrpcService.Apply, maxTimeout, this::apply);
    GrpcCalls.unary(server, WorkloadServiceGrpcService.Get, maxTimeout,
        (req, call) -> view(call, ReconcileBus.GET, new ReconcileBus.Get(req.getName())));
    GrpcCalls.unary(server, WorkloadServiceGrpcService.List, maxTimeout, (req, call) ->
        Bus.<ReconcileBus.Page>request(vertx, ReconcileBus.LIST, new ReconcileBus.ListWorkloads(
                req.getLabelSelector(), req.getPhase(), req.getLimit() == 0 ? null : req.getLimit(), req.getPageToken()),
            call.timeout(), call.requestId())
            .map(page -> ListWorkloadsResponse.newBuilder()
                .addAllItems(page.items().stream().map(v -> GrpcMapping.workload(v, call.redactEnv())).toList())
                .setNextPageToken(java.util.Objects.requireNonNullElse(page.nextPageToken(), "")).build()));
    GrpcCalls.unary(server, WorkloadServiceGrpcService.Delete, maxTimeout,
        (req, call) -> view(call, ReconcileBus.DELETE, new ReconcileBus.Delete(req.getName())));
    GrpcCalls.unary(server, WorkloadServiceGrpcService.Scale, maxTimeout,
        (req, call) -> view(call, ReconcileBus.SCALE, new ReconcileBus.Scale(req.getName(), req.getReplicas())));
    GrpcCalls.unary(server, WorkloadServiceGrpcService.Retry, maxTimeout,
        (req, call) -> view(call, ReconcileBus.RETRY, new ReconcileBus.Retry(req.getName())));
    server.callHandler(WorkloadServiceGrpcService.Logs, this::logs);
    server.callHandler(WorkloadServiceGrpcService.Watch, this::watch);
  }

  private Future<ApplyResponse> apply(ApplyRequest req, GrpcCalls.Call call) {
    ReconcileBus.Apply apply = new ReconcileBus.Apply(req.getName(), GrpcMapping.manifest(req.getWorkload()));
    return Bus.<ReconcileBus.Applied>request(vertx, ReconcileBus.APPLY, apply, call.timeout(), call.requestId())
        .map(a -> ApplyResponse.newBuilder().setCreated(a.created()).setWorkload(GrpcMapping.workload(a.view())).build());
  }

  private Future<Workload> view(GrpcCalls.Call call, String address, Object message) {
    return Bus.<WorkloadView>request(vertx, address, message, call.timeout(), call.requestId())
        .map(v -> GrpcMapping.workload(v, call.redactEnv()));
  }

  private void logs(GrpcServerRequest<LogsRequest, LogLine> request) {
    GrpcCalls.Call call = GrpcCalls.call(request, maxTimeout);
    GrpcServerResponse<LogsRequest, LogLine> response = request.response();
    request.last().compose(req -> {
      LogFollow.Request r = new LogFollow.Request(req.getName(), req.getInstance(), LogFollow.streams(req.getStream()),
          LogFollow.tail(req.getTail(), req.getTail() != 0), req.getFollow());
      return LogFollow.open(vertx, nodeId, call.timeout(), call.requestId(), r, lines -> {
        Future<Void> last = Future.succeededFuture();
        for (String line : lines) {
          last = response.write(LogLine.newBuilder().setLine(line).build());
        }
        return last;
      });
    }).onSuccess(follow -> {
      if (!follow.following()) {
        response.end();
        return;
      }
      request.errorHandler(error -> follow.close());
      request.exceptionHandler(error -> follow.close());
      request.connection().closeHandler(v -> follow.close());
    }).onFailure(e -> GrpcErrors.fail(response, e, call.requestId()));
  }

  private void watch(GrpcServerRequest<WatchRequest, WatchEvent> request) {
    GrpcCalls.Call call = GrpcCalls.call(request, maxTimeout);
    GrpcServerResponse<WatchRequest, WatchEvent> response = request.response();
    request.last().compose(req -> WorkloadWatch.start(vertx, call.timeout(), req.getName(), (type, view) ->
            response.write(WatchEvent.newBuilder().setType(WatchEvent.Type.valueOf(type.name()))
                .setWorkload(GrpcMapping.workload(view, call.redactEnv())).build())))
        .onSuccess(watch -> {
          request.errorHandler(error -> watch.close());
          request.exceptionHandler(error -> watch.close());
          request.connection().closeHandler(v -> watch.close());
        })
        .onFailure(e -> GrpcErrors.fail(response, e, call.requestId()));
  }
}

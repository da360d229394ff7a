package io.cairn.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.cairn.bus.Bus;
import io.cairn.grpc.v1.CancelTaskRequest;
import io.cairn.grpc.v1.ListTasksResponse;
import io.cairn.grpc.v1.Task;
import io.cairn.grpc.v1.TaskOutputChunk;
import io.cairn.grpc.v1.TaskOutputRequest;
import io.cairn.grpc.v1.TaskServiceGrpcService;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.FieldError;
import io.cairn.model.Json;
import io.cairn.tasks.TaskJson;
import io.cairn.tasks.TaskOutput;
import io.cairn.tasks.TaskOutputFollow;
import io.cairn.tasks.TaskState;
import io.cairn.tasks.TasksBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpc.server.Service;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code cairn.v1.TaskService}: the task operations of REST over gRPC, converted through the same JSON. */
final class TaskGrpc implements Service {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer();
  private final Vertx vertx;
  private final Duration maxTimeout;

  private final boolean clustered;

  /** {@code clustered}: tasks submitted to other nodes are read, followed and cancelled there. */
  TaskGrpc(Vertx vertx, Duration maxTimeout, boolean clustered) {
    this.clustered = clustered;
    this.vertx = vertx;
    this.maxTimeout = maxTimeout;
  }

  @Override
  public ServiceName name() {
    return TaskServiceGrpcService.SERVICE_NAME;
  }

  @Override
  public Descriptors.ServiceDescriptor descriptor() {
    return TaskServiceGrpcService.SERVICE_DESCRIPTOR;
  }

  @Override
  public void bind(GrpcServer server) {
    GrpcCalls.unary(server, TaskServiceGrpcService.Submit, maxTimeout, (req, call) -> {
      com.fasterxml.jackson.databind.JsonNode body;
      try {
        body = Json.MAPPER.readTree(PRINTER.print(req.getSpec()));
      } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new CairnException(ErrorCode.INVALID_ARGUMENT, "task spec cannot be read: " + e.getMessage());
      }
      return task(call, TasksBus.SUBMIT, new TasksBus.Submit(body));
    });
    GrpcCalls.unary(server, TaskServiceGrpcService.Get, maxTimeout,
        (req, call) -> found(call, TasksBus.GET, TasksBus.ELSEWHERE_GET, new TasksBus.Get(req.getId())));
    GrpcCalls.unary(server, TaskServiceGrpcService.List, maxTimeout, (req, call) -> {
      TaskState state = null;
      if (!req.getState().isEmpty()) {
        try {
          state = TaskState.valueOf(req.getState());
        } catch (IllegalArgumentException e) {
          throw CairnException.invalid(List.of(new FieldError("state", "'" + req.getState() + "' is not a task state")));
        }
      }
      int limit = req.getLimit() == 0 ? 100 : req.getLimit();
      if (limit < 1 || limit > 1000) {
        throw CairnException.invalid(List.of(new FieldError("limit", "must be between 1 and 1000")));
      }
      return Bus.<TasksBus.Page>request(vertx, TasksBus.LIST, new TasksBus.ListTasks(state, limit,
              req.getPageToken().isEmpty() ? null : req.getPageToken()), call.timeout(), call.requestId())
          .map(page -> ListTasksResponse.newBuilder().addAllItems(page.items().stream()
              .map(t -> proto(t, call.redactEnv())).toList())
              .setNextPageToken(page.nextPageToken() == null ? "" : page.nextPageToken()).build());
    });
    GrpcCalls.unary(server, TaskServiceGrpcService.Cancel, maxTimeout, (CancelTaskRequest req, GrpcCalls.Call call) ->
        found(call, TasksBus.CANCEL, TasksBus.ELSEWHERE_CANCEL,
            new TasksBus.Cancel(req.getId(), req.getReason().isEmpty() ? null : req.getReason())));
    server.callHandler(TaskServiceGrpcService.Output, this::output);
  }

  /** A task that may be on another node of the cluster. */
  private Future<Task> found(GrpcCalls.Call call, String here, String elsewhere, Object message) {
    return io.cairn.tasks.TaskLookup.<io.cairn.tasks.Task>request(vertx, clustered, here, elsewhere, message,
            call.timeout(), call.requestId())
        .map(t -> proto(t, call.redactEnv()));
  }

  private Future<Task> task(GrpcCalls.Call call, String address, Object message) {
    return Bus.<io.cairn.tasks.Task>request(vertx, address, message, call.timeout(), call.requestId())
        .map(t -> proto(t, call.redactEnv()));
  }

  static Task proto(io.cairn.tasks.Task t) {
    return proto(t, false);
  }

  static Task proto(io.cairn.tasks.Task t, boolean redactEnv) {
    Task.Builder b = Task.newBuilder();
    try {
      io.vertx.core.json.JsonObject json = TaskJson.render(t);
      PARSER.merge((redactEnv ? io.cairn.workload.Redaction.env(json) : json).encode(), b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("task JSON does not fit the proto", e);
    }
    return b.build();
  }

  private void output(GrpcServerRequest<TaskOutputRequest, TaskOutputChunk> request) {
    GrpcCalls.Call call = GrpcCalls.call(request, maxTimeout);
    GrpcServerResponse<TaskOutputRequest, TaskOutputChunk> response = request.response();
    request.last().compose(req -> {
      Set<String> streams = switch (req.getStream()) {
        case "", "both" -> null;
        case "stdout", "stderr" -> Set.of(req.getStream());
        default -> throw CairnException.invalid(List.of(new FieldError("stream", "must be stdout, stderr or both")));
      };
      if (req.getOffset() < 0) {
        throw CairnException.invalid(List.of(new FieldError("offset", "must be 0 or more")));
      }
      return TaskOutputFollow.open(vertx, clustered, call.timeout(), call.requestId(), req.getId(), req.getOffset(),
          streams,
          req.getFollow(), push -> write(response, push), why -> response.cancel());
    }).onSuccess(follow -> {
      request.errorHandler(error -> follow.close());
      request.exceptionHandler(error -> follow.close());
      request.connection().closeHandler(v -> follow.close());
    }).onFailure(e -> GrpcErrors.fail(response, e, call.requestId()));
  }

  /** One message per chunk; the end goes in a last message. Completes when written (backpressure). */
  private static Future<Void> write(GrpcServerResponse<TaskOutputRequest, TaskOutputChunk> response,
      TasksBus.OutputPush push) {
    Future<Void> last = Future.succeededFuture();
    long skipped = push.skipped();
    for (TaskOutput.Chunk c : push.chunks()) {
      last = response.write(TaskOutputChunk.newBuilder().setStream(c.stream()).setOffset(c.offset())
          .setData(ByteString.copyFrom(c.data())).setSkipped(skipped).build());
      skipped = 0;
    }
    if (push.end() != null) {
      return response.end(TaskOutputChunk.newBuilder().setSkipped(skipped).setEnd(proto(push.end())).build());
    }
    return last;
  }
}

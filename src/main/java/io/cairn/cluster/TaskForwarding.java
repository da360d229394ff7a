package io.cairn.cluster;

import io.cairn.bus.Bus;
import io.cairn.cluster.peer.v1.PeerGrpcClient;
import io.cairn.cluster.peer.v1.TaskOutputBatch;
import io.cairn.cluster.peer.v1.TaskOutputRequest;
import io.cairn.cluster.peer.v1.TaskReply;
import io.cairn.cluster.peer.v1.TaskRequest;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.Json;
import io.cairn.tasks.Task;
import io.cairn.tasks.TasksBus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tasks through any node. A task stays on the node it was submitted to; a node asked for a task it
 * does not have finds it by asking its Ready peers ({@code TaskGet}, all at once), then reads,
 * cancels or follows it there. Output streams with backpressure end to end, as logs do: the node
 * running the task acknowledges its task component's pushes only once the peer stream has room,
 * and the asking node reads on only once its local sink (the client's response) took a push.
 */
final class TaskForwarding {
  private static final Logger LOG = LoggerFactory.getLogger(TaskForwarding.class);

  private final Vertx vertx;
  private final String nodeId;
  private final PeerClients peers;
  private final Membership members;
  private final Duration timeout;

  TaskForwarding(Vertx vertx, String nodeId, PeerClients peers, Membership members, Duration timeout) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.peers = peers;
    this.members = members;
    this.timeout = timeout;
  }

  /** Where a task is, and the task as that node has it. */
  private record Located(NodeRecord node, Task task) {}

  private Future<Located> locate(String id) {
    List<NodeRecord> others = members.all().stream()
        .filter(n -> !n.id().equals(nodeId) && n.state() == NodeRecord.State.Ready).toList();
    Promise<Located> found = Promise.promise();
    if (others.isEmpty()) {
      return Future.failedFuture(notFound(id));
    }
    List<Future<TaskReply>> asked = others.stream().map(n -> peers.call(n.id(), n.addresses().cluster(),
        PeerGrpcClient.TaskGet, TaskRequest.newBuilder().setId(id).build(), true)
        .onSuccess(reply -> {
          if (reply.getFound()) {
            found.tryComplete(new Located(n, decodeTask(reply)));
          }
        })).toList();
    Future.join(asked).onComplete(all -> found.tryFail(notFound(id)));
    return found.future();
  }

  private static CairnException notFound(String id) {
    return CairnException.notFound("task", id);
  }

  private static Task decodeTask(TaskReply reply) {
    return Json.decode(reply.getTaskJson().toByteArray(), Task.class);
  }

  /** The asking side of GET. */
  Future<Task> get(TasksBus.Get request) {
    return locate(request.id()).map(Located::task);
  }

  /** The asking side of cancel. */
  Future<Task> cancel(TasksBus.Cancel request) {
    return locate(request.id()).compose(at -> peers.call(at.node().id(), at.node().addresses().cluster(),
            PeerGrpcClient.TaskCancel, TaskRequest.newBuilder().setId(request.id())
                .setReason(request.reason() == null ? "" : request.reason()).build(), false))
        .compose(reply -> {
          if (!reply.getErrorCode().isEmpty()) {
            return Future.failedFuture(new CairnException(ErrorCode.valueOf(reply.getErrorCode()),
                reply.getErrorMessage()));
          }
          return reply.getFound() ? Future.succeededFuture(decodeTask(reply))
              : Future.failedFuture(notFound(request.id()));
        });
  }

  /**
   * The asking side of output: replies with the task once the remote reader began; pushes go to the
   * request's sink as the local task component would send them.
   */
  Future<Task> output(TasksBus.Follow request) {
    TaskOutputRequest.Builder message = TaskOutputRequest.newBuilder().setId(request.id())
        .setOffset(request.fromOffset()).setFollow(request.follow());
    if (request.streams() != null) {
      message.addAllStreams(request.streams());
    }
    Promise<Task> first = Promise.promise();
    return locate(request.id())
        .compose(at -> peers.openStream(at.node().id(), at.node().addresses().cluster(), PeerGrpcClient.TaskOutput,
            message.build()))
        .compose(stream -> {
          boolean[] ended = new boolean[1];
          stream.response().handler(batch -> {
            if (!first.future().isComplete()) {
              first.tryComplete(Json.decode(batch.getTaskJson().toByteArray(), Task.class));
              return;
            }
            TasksBus.OutputPush push = Json.decode(batch.getPushJson().toByteArray(), TasksBus.OutputPush.class);
            ended[0] = push.end() != null;
            SinkPush.push(vertx, stream, request.sink(), push);
          });
          stream.response().exceptionHandler(e -> first.tryFail(e));
          stream.response().endHandler(v -> {
            first.tryFail(new CairnException(ErrorCode.UNAVAILABLE, "the node running task " + request.id()
                + " closed its output"));
            if (!ended[0]) { // the node went away mid-stream: end the client's stream rather than leave it hanging
              vertx.eventBus().send(request.sink(), new TasksBus.FollowerDropped("the node running the task went away"));
            }
          });
          stream.response().resume();
          return first.future().timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        });
  }

  /** The serving side of TaskGet and TaskCancel: this node's task component answers. */
  void serveUnary(GrpcServerRequest<TaskRequest, TaskReply> request, boolean cancel) {
    GrpcServerResponse<TaskRequest, TaskReply> response = request.response();
    request.last().onFailure(e -> response.status(io.vertx.grpc.common.GrpcStatus.INVALID_ARGUMENT).end())
        .onSuccess(req -> {
          Future<Task> local = cancel
              ? Bus.request(vertx, TasksBus.CANCEL, new TasksBus.Cancel(req.getId(),
                  req.getReason().isEmpty() ? null : req.getReason()), timeout, null)
              : Bus.request(vertx, TasksBus.GET, new TasksBus.Get(req.getId()), timeout, null);
          local.onSuccess(task -> response.end(TaskReply.newBuilder().setFound(true)
                  .setTaskJson(com.google.protobuf.ByteString.copyFrom(Json.encode(task))).build()))
              .onFailure(e -> {
                CairnException ce = CairnException.from(e);
                TaskReply.Builder reply = TaskReply.newBuilder().setFound(false);
                if (ce.code() != ErrorCode.NOT_FOUND) {
                  reply.setErrorCode(ce.code().name()).setErrorMessage(ce.getMessage());
                }
                response.end(reply.build());
              });
        });
  }

  /** The serving side of TaskOutput: this node's task component pushes into the stream. */
  void serveOutput(GrpcServerRequest<TaskOutputRequest, TaskOutputBatch> request) {
    GrpcServerResponse<TaskOutputRequest, TaskOutputBatch> response = request.response();
    request.last().onFailure(e -> response.status(io.vertx.grpc.common.GrpcStatus.INVALID_ARGUMENT).end())
        .onSuccess(req -> {
          String sinkAddress = "cairn.cluster.tasksink." + UUID.randomUUID();
          MessageConsumer<Object> sink = vertx.eventBus().localConsumer(sinkAddress, m -> {
            if (!(m.body() instanceof TasksBus.OutputPush push)) {
              response.end(); // dropped for not reading: the asking side sees the stream end
              return;
            }
            response.write(TaskOutputBatch.newBuilder()
                .setPushJson(com.google.protobuf.ByteString.copyFrom(Json.encode(push))).build());
            if (push.end() != null) {
              response.end();
              m.reply(true);
            } else if (response.writeQueueFull()) {
              response.drainHandler(v -> m.reply(true));
            } else {
              m.reply(true);
            }
          });
          Runnable close = () -> {
            sink.unregister();
            vertx.eventBus().send(TasksBus.UNFOLLOW, new TasksBus.Unfollow(req.getId(), sinkAddress));
          };
          request.exceptionHandler(e -> close.run());
          request.connection().closeHandler(v -> close.run());
          Set<String> streams = req.getStreamsCount() == 0 ? null : Set.copyOf(req.getStreamsList());
          sink.completion()
              .compose(v -> Bus.<Task>request(vertx, TasksBus.OUTPUT, new TasksBus.Follow(req.getId(), req.getOffset(),
                  streams, req.getFollow(), sinkAddress), timeout, null))
              .onSuccess(task -> response.write(TaskOutputBatch.newBuilder()
                  .setTaskJson(com.google.protobuf.ByteString.copyFrom(Json.encode(task))).build()))
              .onFailure(e -> {
                LOG.debug("forwarded task output failed: {}", e.getMessage());
                sink.unregister();
                CairnException ce = CairnException.from(e);
                response.status(ce.code() == ErrorCode.NOT_FOUND ? io.vertx.grpc.common.GrpcStatus.NOT_FOUND
                    : io.vertx.grpc.common.GrpcStatus.UNAVAILABLE).statusMessage(ce.getMessage()).end();
              });
        });
  }
}

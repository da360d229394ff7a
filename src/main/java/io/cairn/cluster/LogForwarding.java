package io.cairn.cluster;

import io.cairn.bus.Bus;
import io.cairn.cluster.peer.v1.LogBatch;
import io.cairn.cluster.peer.v1.LogsRequest;
import io.cairn.cluster.peer.v1.PeerGrpcClient;
import io.cairn.model.CairnException;
import io.cairn.runtime.LogFiles;
import io.cairn.runtime.RuntimeBus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs of instances on another node, with backpressure end to end. The asking node opens the
 * peer {@code Logs} stream and hands each batch to its local sink, pausing the stream until the
 * sink took it; the node that runs the instances reads them through its runtime into the stream,
 * acknowledging the runtime's pushes only once the stream has room.
 */
final class LogForwarding {
  private static final Logger LOG = LoggerFactory.getLogger(LogForwarding.class);

  private final Vertx vertx;
  private final String nodeId;
  private final PeerClients peers;
  private final Membership members;
  private final Duration timeout;

  LogForwarding(Vertx vertx, String nodeId, PeerClients peers, Membership members, Duration timeout) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.peers = peers;
    this.members = members;
    this.timeout = timeout;
  }

  /** The asking side: replies with the tail; follow batches go to the request's sink. */
  Future<RuntimeBus.LogLines> forward(ClusterBus.ForwardLogs request) {
    NodeRecord node = members.get(request.node());
    if (node == null) {
      return Future.failedFuture(CairnException.notFound("node", request.node()));
    }
    RuntimeBus.Logs logs = request.logs();
    LogsRequest.Builder message = LogsRequest.newBuilder().setWorkload(logs.workload())
        .addAllInstanceIds(logs.instanceIds()).setTail(logs.tail()).setFollow(logs.sinkAddress() != null);
    logs.streams().forEach(s -> message.addStreams(s.name()));
    Promise<RuntimeBus.LogLines> tail = Promise.promise();
    return peers.openStream(node.id(), node.addresses().cluster(), PeerGrpcClient.Logs, message.build())
        .compose(stream -> {
          stream.response().handler(batch -> {
            if (batch.getTail()) {
              tail.tryComplete(new RuntimeBus.LogLines(List.copyOf(batch.getLinesList())));
              return;
            }
            if (logs.sinkAddress() == null || batch.getLinesCount() == 0) {
              return;
            }
            SinkPush.push(vertx, stream, logs.sinkAddress(), new RuntimeBus.LogChunk(List.copyOf(batch.getLinesList())));
          });
          stream.response().exceptionHandler(e -> tail.tryFail(e));
          stream.response().endHandler(v -> tail.tryComplete(new RuntimeBus.LogLines(List.of())));
          stream.response().resume();
          return tail.future().timeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        });
  }

  /** The serving side: this node's runtime reads the instances; the stream carries what it reads. */
  void serve(GrpcServerRequest<LogsRequest, LogBatch> request) {
    GrpcServerResponse<LogsRequest, LogBatch> response = request.response();
    request.last().onFailure(e -> response.status(io.vertx.grpc.common.GrpcStatus.INVALID_ARGUMENT).end())
        .onSuccess(req -> {
      List<LogFiles.Stream> streams = req.getStreamsList().stream().map(LogFiles.Stream::valueOf).toList();
      String sinkAddress = req.getFollow() ? "cairn.cluster.logsink." + UUID.randomUUID() : null;
      MessageConsumer<RuntimeBus.LogChunk> sink = sinkAddress == null ? null
          : vertx.eventBus().<RuntimeBus.LogChunk>localConsumer(sinkAddress, m -> {
            response.write(LogBatch.newBuilder().addAllLines(m.body().lines()).build());
            if (response.writeQueueFull()) {
              response.drainHandler(v -> m.reply(true));
            } else {
              m.reply(true);
            }
          });
      Runnable close = () -> {
        if (sink != null) {
          sink.unregister();
        }
      };
      request.exceptionHandler(e -> close.run());
      request.connection().closeHandler(v -> close.run());
      Future<Void> ready = sink == null ? Future.succeededFuture() : sink.completion();
      ready.compose(v -> Bus.<RuntimeBus.LogLines>request(vertx, new RuntimeBus(nodeId).logs(),
              new RuntimeBus.Logs(req.getWorkload(), req.getInstanceIdsList(), streams, req.getTail(), sinkAddress),
              timeout, null))
          .onSuccess(lines -> {
            response.write(LogBatch.newBuilder().setTail(true).addAllLines(lines.lines()).build());
            if (sink == null) {
              response.end();
            }
          })
          .onFailure(e -> {
            LOG.debug("forwarded log read failed: {}", e.getMessage());
            close.run();
            response.status(io.vertx.grpc.common.GrpcStatus.UNAVAILABLE).statusMessage(e.getMessage()).end();
          });
        });
  }
}

package io.cairn.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.BadRequest;
import io.cairn.grpc.v1.CancelTaskRequest;
import io.cairn.grpc.v1.GetTaskRequest;
import io.cairn.grpc.v1.ListTasksRequest;
import io.cairn.grpc.v1.SubmitTaskRequest;
import io.cairn.grpc.v1.TaskOutputChunk;
import io.cairn.grpc.v1.TaskOutputRequest;
import io.cairn.grpc.v1.TaskServiceGrpcClient;
import io.cairn.grpc.v1.TaskSpec;
import io.cairn.grpc.v1.ApplyRequest;
import io.cairn.grpc.v1.ApplyResponse;
import io.cairn.grpc.v1.DeleteWorkloadRequest;
import io.cairn.grpc.v1.GetNodeRequest;
import io.cairn.grpc.v1.GetWorkloadRequest;
import io.cairn.grpc.v1.ListWorkloadsRequest;
import io.cairn.grpc.v1.ListWorkloadsResponse;
import io.cairn.grpc.v1.LogLine;
import io.cairn.grpc.v1.LogsRequest;
import io.cairn.grpc.v1.Metadata;
import io.cairn.grpc.v1.Node;
import io.cairn.grpc.v1.NodeServiceGrpcClient;
import io.cairn.grpc.v1.Resources;
import io.cairn.grpc.v1.RetryRequest;
import io.cairn.grpc.v1.ScaleRequest;
import io.cairn.grpc.v1.WatchEvent;
import io.cairn.grpc.v1.WatchRequest;
import io.cairn.grpc.v1.Workload;
import io.cairn.grpc.v1.WorkloadServiceGrpcClient;
import io.cairn.grpc.v1.WorkloadSpec;
import io.cairn.model.ErrorCode;
import io.cairn.testing.Manifests;
import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** gRPC on the REST port, with the Vert.x gRPC client: same operations, same codes, streams, deadlines. */
@Timeout(120)
class GrpcApiTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  static Vertx vertx;
  static GrpcClient client;
  static SocketAddress address;

  @BeforeAll
  static void client() {
    vertx = Vertx.vertx();
    client = GrpcClient.client(vertx);
    address = SocketAddress.inetSocketAddress(node.agent().httpPort(), "127.0.0.1");
  }

  @AfterAll
  static void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A unary call's outcome: status, message, trailers and (on OK) the reply. */
  record Result<T>(GrpcStatus status, String message, MultiMap trailers, T reply) {
    String cairnCode() {
      return trailers.get(GrpcErrors.CODE_TRAILER);
    }

    com.google.rpc.Status details() throws Exception {
      return com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(trailers.get(GrpcErrors.DETAILS_TRAILER)));
    }
  }

  static <Req, Resp> Result<Resp> call(ServiceMethod<Resp, Req> method, Req request) throws Exception {
    return call(method, request, java.util.Map.of());
  }

  static <Req, Resp> Result<Resp> call(ServiceMethod<Resp, Req> method, Req request, java.util.Map<String, String> metadata)
      throws Exception {
    return client.request(address, method)
        .compose(req -> {
          metadata.forEach((k, v) -> req.headers().set(k, v));
          return req.end(request).compose(v -> req.response());
        })
        // a trailers-only reply (an error before any message) carries its metadata in the headers
        .compose(resp -> resp.last().transform(ar -> Future.succeededFuture(new Result<>(resp.status(),
            resp.statusMessage(), MultiMap.caseInsensitiveMultiMap().addAll(resp.headers()).addAll(resp.trailers()),
            ar.succeeded() ? ar.result() : null))))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static Workload manifest(String name, int replicas, String... command) {
    return Workload.newBuilder().setApiVersion("cairn/v1").setKind("Workload")
        .setMetadata(Metadata.newBuilder().setName(name).putLabels("app", name))
        .setSpec(WorkloadSpec.newBuilder().setReplicas(replicas).addAllCommand(List.of(command)).setStopGracePeriod("2s"))
        .build();
  }

  @Test
  void aMessageThatIsNotProtobufIsInvalidArgument() throws Exception {
    io.vertx.grpc.common.ServiceMethod<io.vertx.core.buffer.Buffer, io.vertx.core.buffer.Buffer> raw =
        io.vertx.grpc.common.ServiceMethod.client(io.vertx.grpc.common.ServiceName.create("cairn.v1.WorkloadService"),
            "Get", io.vertx.grpc.common.GrpcMessageEncoder.IDENTITY, io.vertx.grpc.common.GrpcMessageDecoder.IDENTITY);
    // field 1 (name) claims 100 bytes and the message ends after 3: not a protobuf message
    Result<io.vertx.core.buffer.Buffer> garbage = call(raw, io.vertx.core.buffer.Buffer.buffer(new byte[] {0x0a, 100, 'a', 'b', 'c'}));
    assertThat(garbage.status()).isEqualTo(io.vertx.grpc.common.GrpcStatus.INVALID_ARGUMENT);
    assertThat(garbage.cairnCode()).isEqualTo("INVALID_ARGUMENT");
    assertThat(garbage.message()).contains("not a valid").doesNotContain("Exception");
  }

  @Test
  void everyReplySaysWhatTheReadIsWorthAndACallCanWaitForAResourceVersion() throws Exception {
    Result<ApplyResponse> applied = call(WorkloadServiceGrpcClient.Apply,
        ApplyRequest.newBuilder().setName("grpc-rv").setWorkload(manifest("grpc-rv", 0, "sleep", "1")).build());
    assertThat(applied.status()).isEqualTo(GrpcStatus.OK);
    long version = Long.parseLong(applied.reply().getWorkload().getMetadata().getResourceVersion());
    GetWorkloadRequest get = GetWorkloadRequest.newBuilder().setName("grpc-rv").build();

    Result<Workload> current = call(WorkloadServiceGrpcClient.Get, get,
        java.util.Map.of("x-cairn-resource-version", Long.toString(version)));
    assertThat(current.status()).isEqualTo(GrpcStatus.OK);
    assertThat(current.reply().getMetadata().getResourceVersion()).isEqualTo(Long.toString(version));
    assertThat(current.trailers().get("x-cairn-known-leader")).as("a single node is its own leader").isEqualTo("true");
    assertThat(current.trailers().get("x-cairn-last-contact")).isEqualTo("0");

    Result<Workload> ahead = call(WorkloadServiceGrpcClient.Get, get,
        java.util.Map.of("x-cairn-resource-version", Long.toString(version + 1_000_000)));
    assertThat(ahead.status()).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
    assertThat(ahead.cairnCode()).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(ahead.message()).contains("applied the log up to index");

    Result<Workload> invalid = call(WorkloadServiceGrpcClient.Get, get, java.util.Map.of("x-cairn-resource-version", "soon"));
    assertThat(invalid.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
    assertThat(invalid.details().getDetails(1).unpack(com.google.rpc.BadRequest.class).getFieldViolations(0).getField())
        .isEqualTo("x-cairn-resource-version");
  }

  @Test
  void workloadOperationsRoundTrip() throws Exception {
    Result<ApplyResponse> applied = call(WorkloadServiceGrpcClient.Apply,
        ApplyRequest.newBuilder().setName("grpc-web").setWorkload(manifest("grpc-web", 1, "sleep", "300")).build());
    assertThat(applied.status()).isEqualTo(GrpcStatus.OK);
    assertThat(applied.reply().getCreated()).isTrue();
    Workload w = applied.reply().getWorkload();
    assertThat(w.getStatus().getPhase()).isEqualTo("Running");
    assertThat(w.getStatus().getInstances(0).getPid()).isPositive();
    assertThat(w.getSpec().getRestartPolicy().getMode()).isEqualTo("Always");

    Result<ApplyResponse> again = call(WorkloadServiceGrpcClient.Apply,
        ApplyRequest.newBuilder().setName("grpc-web").setWorkload(manifest("grpc-web", 1, "sleep", "300")).build());
    assertThat(again.reply().getCreated()).isFalse();

    Result<Workload> got = call(WorkloadServiceGrpcClient.Get, GetWorkloadRequest.newBuilder().setName("grpc-web").build());
    assertThat(got.reply().getMetadata().getLabelsMap()).containsEntry("app", "grpc-web");
    // the REST view of the same workload is the same document
    JsonObject rest = node.workload("grpc-web");
    assertThat(got.reply().getStatus().getInstances(0).getId())
        .isEqualTo(rest.getJsonObject("status").getJsonArray("instances").getJsonObject(0).getString("id"));

    Result<ListWorkloadsResponse> listed = call(WorkloadServiceGrpcClient.List,
        ListWorkloadsRequest.newBuilder().setLabelSelector("app=grpc-web").build());
    assertThat(listed.reply().getItemsList()).extracting(x -> x.getMetadata().getName()).containsExactly("grpc-web");

    Result<Workload> scaled = call(WorkloadServiceGrpcClient.Scale,
        ScaleRequest.newBuilder().setName("grpc-web").setReplicas(2).build());
    assertThat(scaled.reply().getSpec().getReplicas()).isEqualTo(2);

    Result<Node> nodeInfo = call(NodeServiceGrpcClient.GetNode, GetNodeRequest.getDefaultInstance());
    assertThat(nodeInfo.reply().getId()).isEqualTo(node.nodeId());
    assertThat(nodeInfo.reply().getCapacity().getCpus()).isPositive();
    Result<io.cairn.grpc.v1.ListNodesResponse> nodes = call(NodeServiceGrpcClient.ListNodes,
        io.cairn.grpc.v1.ListNodesRequest.getDefaultInstance());
    assertThat(nodes.reply().getItemsList()).extracting(Node::getId).containsExactly(node.nodeId());
    assertThat(nodes.reply().getItems(0).getState()).isEqualTo("Ready");
    assertThat(call(NodeServiceGrpcClient.GetNode, GetNodeRequest.newBuilder().setId("no-such-node").build()).status())
        .isEqualTo(GrpcStatus.NOT_FOUND);

    Result<Workload> deleted = call(WorkloadServiceGrpcClient.Delete,
        DeleteWorkloadRequest.newBuilder().setName("grpc-web").build());
    assertThat(deleted.reply().getStatus().getPhase()).isEqualTo("Stopping");
    await().atMost(Duration.ofSeconds(15)).until(() -> call(WorkloadServiceGrpcClient.Get,
        GetWorkloadRequest.newBuilder().setName("grpc-web").build()).status() == GrpcStatus.NOT_FOUND);
  }

  @Test
  void everyRestErrorHasItsGrpcTwin() throws Exception {
    node.apply("steady", Manifests.workload("steady", 1, "sleep", "300"));

    record Case(TestNode.Reply rest, Result<?> grpc) {}
    Workload huge = manifest("huge", 1, "sleep", "1").toBuilder()
        .setSpec(manifest("huge", 1, "sleep", "1").getSpec().toBuilder()
            .setResources(Resources.newBuilder().setMemory("10000Gi"))).build();
    JsonObject hugeJson = Manifests.workload("huge", 1, "sleep", "1");
    hugeJson.getJsonObject("spec").put("resources", new JsonObject().put("memory", "10000Gi"));
    List<Case> cases = List.of(
        new Case(node.put("/api/v1/workloads/Bad_Name", "application/json",
            "{\"spec\":{\"replicas\":-1,\"command\":[]}}"),
            call(WorkloadServiceGrpcClient.Apply, ApplyRequest.newBuilder().setName("Bad_Name")
                .setWorkload(manifest("Bad_Name", -1)).build())),
        new Case(node.get("/api/v1/workloads/missing"),
            call(WorkloadServiceGrpcClient.Get, GetWorkloadRequest.newBuilder().setName("missing").build())),
        new Case(node.post("/api/v1/workloads/steady/retry", "application/json", ""),
            call(WorkloadServiceGrpcClient.Retry, RetryRequest.newBuilder().setName("steady").build())),
        new Case(node.apply("huge", hugeJson),
            call(WorkloadServiceGrpcClient.Apply, ApplyRequest.newBuilder().setName("huge").setWorkload(huge).build())),
        new Case(node.apply("ghost", Manifests.workload("ghost", 1, "python4")),
            call(WorkloadServiceGrpcClient.Apply, ApplyRequest.newBuilder().setName("ghost2")
                .setWorkload(manifest("ghost2", 1, "python4")).build())),
        new Case(node.get("/api/v1/workloads?label=a=b=c"),
            call(WorkloadServiceGrpcClient.List, ListWorkloadsRequest.newBuilder().setLabelSelector("a=b=c").build())));

    List<String> seen = new CopyOnWriteArrayList<>();
    for (Case c : cases) {
      String code = c.rest().code();
      seen.add(code);
      assertThat(c.grpc().cairnCode()).as("cairn code over gRPC for %s (status %s: %s)", code, c.grpc().status(), c.grpc().message()).isEqualTo(code);
      assertThat(c.grpc().status()).isEqualTo(GrpcErrors.status(ErrorCode.valueOf(code)));
      assertThat(c.grpc().message()).isEqualTo(c.rest().json().getJsonObject("error").getString("message"));
      com.google.rpc.Status details = c.grpc().details();
      assertThat(details.getCode()).isEqualTo(c.grpc().status().code);
      assertThat(details.getDetails(0).unpack(com.google.rpc.ErrorInfo.class).getReason()).isEqualTo(code);
      List<String> restFields = c.rest().json().getJsonObject("error").getJsonArray("details").stream()
          .map(d -> ((JsonObject) d).getString("field")).toList();
      List<String> grpcFields = details.getDetailsCount() < 2 ? List.of()
          : details.getDetails(1).unpack(BadRequest.class).getFieldViolationsList().stream()
              .map(BadRequest.FieldViolation::getField).toList();
      assertThat(grpcFields).as("field details for %s", code).containsExactlyInAnyOrderElementsOf(restFields);
    }
    assertThat(seen).containsExactlyInAnyOrder("INVALID_ARGUMENT", "NOT_FOUND", "CONFLICT", "INSUFFICIENT_RESOURCES",
        "EXEC_FAILED", "INVALID_ARGUMENT");
    node.delete("/api/v1/workloads/steady");
  }

  @Test
  void theStatusMappingCoversEveryCode() {
    assertThat(GrpcErrors.status(ErrorCode.INVALID_ARGUMENT)).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
    assertThat(GrpcErrors.status(ErrorCode.NOT_FOUND)).isEqualTo(GrpcStatus.NOT_FOUND);
    assertThat(GrpcErrors.status(ErrorCode.CONFLICT)).isEqualTo(GrpcStatus.ABORTED);
    assertThat(GrpcErrors.status(ErrorCode.INSUFFICIENT_RESOURCES)).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
    assertThat(GrpcErrors.status(ErrorCode.PAYLOAD_TOO_LARGE)).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
    assertThat(GrpcErrors.status(ErrorCode.EXEC_FAILED)).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
    assertThat(GrpcErrors.status(ErrorCode.QUEUE_FULL)).isEqualTo(GrpcStatus.RESOURCE_EXHAUSTED);
    assertThat(GrpcErrors.status(ErrorCode.UNSCHEDULABLE)).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
    assertThat(GrpcErrors.status(ErrorCode.UNAVAILABLE)).isEqualTo(GrpcStatus.UNAVAILABLE);
    assertThat(GrpcErrors.status(ErrorCode.DEADLINE_EXCEEDED)).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
    for (ErrorCode code : ErrorCode.values()) {
      assertThat(GrpcErrors.status(code)).as(code.name()).isNotEqualTo(GrpcStatus.OK);
    }
  }

  @Test
  void logsAndWatchStreamAndEndWhenTheClientCancels() throws Exception {
    node.apply("grpc-talker", Manifests.workload("grpc-talker", 1, "sh", "-c",
        "i=0; while true; do echo n $i; i=$((i+1)); sleep 0.1; done"));
    await().atMost(Duration.ofSeconds(10)).until(() ->
        node.get("/api/v1/workloads/grpc-talker/logs?tail=1000").body().contains("n 3\n"));

    WorkloadServiceGrpcClient workloads = WorkloadServiceGrpcClient.create(client, address);
    List<String> tail = new CopyOnWriteArrayList<>();
    workloads.logs(LogsRequest.newBuilder().setName("grpc-talker").setTail(3).setStream("stdout").build())
        .onSuccess(stream -> stream.handler(l -> tail.add(l.getLine())))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> tail.size() == 3);
    assertThat(tail).allMatch(l -> l.startsWith("n "));

    List<LogLine> followed = new CopyOnWriteArrayList<>();
    var followRequest = client.request(address, WorkloadServiceGrpcClient.Logs).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    followRequest.end(LogsRequest.newBuilder().setName("grpc-talker").setTail(1).setFollow(true).setStream("stdout").build());
    followRequest.response().onSuccess(resp -> resp.handler(followed::add));
    await().atMost(Duration.ofSeconds(10)).until(() -> followed.size() >= 10);
    followRequest.cancel();

    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    var watchRequest = client.request(address, WorkloadServiceGrpcClient.Watch).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    watchRequest.end(WatchRequest.newBuilder().setName("grpc-talker").build());
    watchRequest.response().onSuccess(resp -> resp.handler(events::add));
    await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
    assertThat(events.get(0).getType()).isEqualTo(WatchEvent.Type.CURRENT);
    node.post("/api/v1/workloads/grpc-talker/scale", "application/json", "{\"replicas\":2}");
    await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e ->
        e.getType() == WatchEvent.Type.MODIFIED && e.getWorkload().getStatus().getReadyReplicas() == 2));
    node.delete("/api/v1/workloads/grpc-talker");
    await().atMost(Duration.ofSeconds(15)).until(() -> events.stream().anyMatch(e -> e.getType() == WatchEvent.Type.DELETED));
    watchRequest.cancel();
  }

  @Test
  void theClientsDeadlineIsHonoured() throws Exception {
    node.apply("slowlog", Manifests.workload("slowlog", 1, "sleep", "300"));
    var request = client.request(address, WorkloadServiceGrpcClient.Logs).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    request.timeout(500, TimeUnit.MILLISECONDS);
    request.end(LogsRequest.newBuilder().setName("slowlog").setFollow(true).build());
    long started = System.nanoTime();
    GrpcStatus status = request.response().compose(resp -> resp.end().transform(ar -> Future.succeededFuture(resp.status())))
        .recover(e -> Future.succeededFuture(e instanceof io.vertx.grpc.common.GrpcErrorException ge ? ge.status()
            : GrpcStatus.UNKNOWN))
        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    assertThat(status).isEqualTo(GrpcStatus.DEADLINE_EXCEEDED);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    node.delete("/api/v1/workloads/slowlog");
  }

  @Test
  void taskServiceSubmitsStreamsOutputCancelsAndMapsErrors() throws Exception {
    Result<io.cairn.grpc.v1.Task> submitted = call(TaskServiceGrpcClient.Submit, SubmitTaskRequest.newBuilder()
        .setSpec(TaskSpec.newBuilder().addAllCommand(List.of("sh", "-c", "echo out; echo err >&2; exit 4"))
            .putEnv("X", "1").setTimeout("30s")).build());
    assertThat(submitted.status()).isEqualTo(GrpcStatus.OK);
    String id = submitted.reply().getId();
    assertThat(submitted.reply().getSpec().getTimeout()).isEqualTo("30s");

    List<TaskOutputChunk> chunks = new CopyOnWriteArrayList<>();
    var output = client.request(address, TaskServiceGrpcClient.Output).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    // the handler is in place before the request goes: a fast task's whole output can come with the headers
    output.response().onSuccess(resp -> resp.handler(chunks::add));
    output.end(TaskOutputRequest.newBuilder().setId(id).setFollow(true).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> chunks.stream().anyMatch(TaskOutputChunk::hasEnd));
    io.cairn.grpc.v1.Task end = chunks.get(chunks.size() - 1).getEnd();
    assertThat(end.getState()).isEqualTo("Failed");
    assertThat(end.getExitCode()).isEqualTo(4);
    assertThat(chunks.stream().filter(c -> c.getStream().equals("stdout")).map(c -> c.getData().toStringUtf8())
        .reduce("", String::concat)).isEqualTo("out\n");
    assertThat(chunks.stream().filter(c -> c.getStream().equals("stderr")).map(c -> c.getData().toStringUtf8())
        .reduce("", String::concat)).isEqualTo("err\n");

    assertThat(call(TaskServiceGrpcClient.Get, GetTaskRequest.newBuilder().setId(id).build()).reply().getState())
        .isEqualTo("Failed");
    assertThat(call(TaskServiceGrpcClient.List, ListTasksRequest.newBuilder().setState("Failed").build()).reply()
        .getItemsList()).extracting(io.cairn.grpc.v1.Task::getId).contains(id);

    // a follower that goes away is released
    String sleeper = call(TaskServiceGrpcClient.Submit, SubmitTaskRequest.newBuilder()
        .setSpec(TaskSpec.newBuilder().addAllCommand(List.of("sleep", "30"))).build()).reply().getId();
    var follow = client.request(address, TaskServiceGrpcClient.Output).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    follow.end(TaskOutputRequest.newBuilder().setId(sleeper).setFollow(true).build());
    await().atMost(Duration.ofSeconds(10)).until(() -> node.get("/metrics").body()
        .contains("cairn_tasks_output_followers 1.0"));
    follow.cancel();
    await().atMost(Duration.ofSeconds(10)).until(() -> node.get("/metrics").body()
        .contains("cairn_tasks_output_followers 0.0"));

    Result<io.cairn.grpc.v1.Task> cancelled = call(TaskServiceGrpcClient.Cancel,
        CancelTaskRequest.newBuilder().setId(sleeper).setReason("grpc says stop").build());
    assertThat(cancelled.status()).isEqualTo(GrpcStatus.OK);
    await().atMost(Duration.ofSeconds(10)).until(() -> call(TaskServiceGrpcClient.Get,
        GetTaskRequest.newBuilder().setId(sleeper).build()).reply().getState().equals("Cancelled"));
    Result<io.cairn.grpc.v1.Task> again = call(TaskServiceGrpcClient.Cancel, CancelTaskRequest.newBuilder().setId(sleeper).build());
    assertThat(again.status()).isEqualTo(GrpcStatus.ABORTED);
    assertThat(again.cairnCode()).isEqualTo("CONFLICT");

    Result<io.cairn.grpc.v1.Task> empty = call(TaskServiceGrpcClient.Submit, SubmitTaskRequest.getDefaultInstance());
    assertThat(empty.status()).isEqualTo(GrpcStatus.INVALID_ARGUMENT);
    assertThat(empty.details().getDetailsList().stream().anyMatch(a -> a.is(com.google.rpc.BadRequest.class))).isTrue();
    Result<io.cairn.grpc.v1.Task> nowhere = call(TaskServiceGrpcClient.Submit, SubmitTaskRequest.newBuilder()
        .setSpec(TaskSpec.newBuilder().addCommand("true").putPlacement("zone", "mars")).build());
    assertThat(nowhere.status()).isEqualTo(GrpcStatus.FAILED_PRECONDITION);
    assertThat(nowhere.cairnCode()).isEqualTo("UNSCHEDULABLE");
    assertThat(call(TaskServiceGrpcClient.Get, GetTaskRequest.newBuilder().setId("t-none").build()).status())
        .isEqualTo(GrpcStatus.NOT_FOUND);
  }
}

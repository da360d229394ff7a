package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cairn.testing.ClusterNodes;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any Ratis client that reaches a server's Raft port can propose entries: the leader refuses one that
 * does not decode, or that claims a fence term above its own, so it never reaches the log, and the
 * cluster goes on applying real writes and placing instances.
 */
@Timeout(180)
class RefusedLogEntryTest {
  @TempDir
  Path root;

  @Test
  void aRaftClientProposingGarbageIsRefusedAndTheClusterGoesOnApplying() throws Exception {
    try (ClusterNodes cluster = ClusterNodes.start(root, 1, 0,
        Map.of("cluster.bootstrapExpect", "1", "node.labels", "zone=a"))) {
      ClusterNodes.Member node = cluster.node(0);
      long before = node.get("/api/v1/cluster").json().getLong("appliedIndex");

      RaftProperties properties = new RaftProperties();
      RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
      RaftPeer server = RaftPeer.newBuilder().setId(node.nodeId()).setAddress("127.0.0.1:" + node.raftPort()).build();
      try (RaftClient client = RaftClient.newBuilder().setProperties(properties)
          .setRaftGroup(RaftGroup.valueOf(RaftNode.GROUP, server)).setRetryPolicy(RetryPolicies.noRetry()).build()) {
        for (byte[] garbage : new byte[][] {"not a command".getBytes(), RaftStateMachineTest.claiming(Integer.MAX_VALUE)}) {
          Throwable refused = catchThrowable(() -> client.async().send(Message.valueOf(ByteString.copyFrom(garbage)))
              .get(20, TimeUnit.SECONDS));
          assertThat(refused).isInstanceOf(ExecutionException.class).cause().isInstanceOf(StateMachineException.class)
              .cause().isInstanceOf(RefusedEntryException.class).hasMessageContaining("nothing was written");
        }
        // a fence term above every real term once stopped all placement for good
        byte[] forgedFence = new io.cairn.state.LogCommand("leader", System.currentTimeMillis(), Long.MAX_VALUE,
            java.util.List.of(), java.util.List.of()).encode();
        Throwable fenced = catchThrowable(() -> client.async().send(Message.valueOf(ByteString.copyFrom(forgedFence)))
            .get(20, TimeUnit.SECONDS));
        assertThat(fenced).isInstanceOf(ExecutionException.class).cause().isInstanceOf(StateMachineException.class)
            .cause().isInstanceOf(FenceAboveTermException.class).hasMessageContaining("above this leader's term");
      }

      assertThat(node.put("/api/v1/workloads/after-garbage", "{\"spec\":{\"replicas\":1,\"command\":[\"sleep\",\"300\"]}}")
          .status()).isEqualTo(201);
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> "Running".equals(
          node.get("/api/v1/workloads/after-garbage").json().getJsonObject("status").getString("phase")));
      assertThat(node.get("/api/v1/workloads/after-garbage").status()).isEqualTo(200);
      assertThat(node.get("/api/v1/cluster").json().getLong("appliedIndex")).isGreaterThan(before);
      assertThat(node.ready()).isTrue();
      assertThat(node.log()).contains("refused a proposed log entry").doesNotContain("does not decode and was skipped")
          .doesNotContain("stops applying");

      // a valid node label travels in the node record
      JsonObject self = node.get("/api/v1/nodes/" + node.nodeId()).json();
      assertThat(self.getJsonObject("labels").getMap()).containsEntry("zone", "a");
    }
  }
}

package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.state.LogCommand;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import io.cairn.testing.ClusterNodes;
import io.cairn.testing.Manifests;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anyone who reaches a Raft port can get an entry into the log, and so write a node record. Such a
 * record once made the leader add the attacker's own Raft server to the configuration as a voter.
 * The leader now puts back only members a Raft configuration named before; real members still come
 * back when they drop out, and rejoin after restarts.
 */
@Timeout(300)
class ForgedNodeRecordTest {
  private static final Pattern REFUSED = Pattern.compile("node record names no member a Raft configuration held.*node=intruder");

  @TempDir
  Path root;

  @Test
  void aForgedNodeRecordMakesNoRaftMemberWhileRealMembersComeBackAndRejoin() throws Exception {
    int intruderPort = freePort();
    try (ClusterNodes cluster = ClusterNodes.start(root, 1, 1, Map.of("cluster.bootstrapExpect", "1"));
         RaftServer intruder = intruder(root.resolve("intruder"), intruderPort)) {
      ClusterNodes.Member server = cluster.node(0);
      ClusterNodes.Member listener = cluster.node(1);
      String intruderAddress = "127.0.0.1:" + intruderPort;
      RaftPeer serverPeer = RaftNode.peer(server.nodeId(), "127.0.0.1:" + server.raftPort(), false);
      try (RaftClient client = client(serverPeer)) {
        long now = System.currentTimeMillis();
        NodeRecord forged = new NodeRecord("intruder", "intruder", NodeRecord.State.Ready, true, Map.of(),
            new NodeRecord.Addresses("127.0.0.1:1", "127.0.0.1:1", "127.0.0.1:1", intruderAddress),
            new NodeRecord.Capacity(1000, 1 << 30, 1 << 30), "forged", now, now, null);
        RaftClientReply written = client.io().send(Message.valueOf(ByteString.copyFrom(
            LogCommand.of("intruder", List.of(new Mutation.Put(Table.NODES, "intruder", forged))).encode())));
        assertThat(written.isSuccess()).as("the record decodes: the log takes it").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.get("/api/v1/nodes/intruder").status() == 200);

        await().atMost(Duration.ofSeconds(30))
            .failFast("the forged record made the intruder a Raft member", () -> member(server, "intruder") != null
                || !intruder.getDivision(RaftNode.GROUP).getRaftConf().getCurrentPeers().isEmpty())
            .until(() -> refusals(server) >= 1);
        assertThat(member(server, "intruder")).isNull();

        // a real member that drops out of the configuration (a listener did, after a snapshot install) comes back
        RaftClientReply dropped = client.admin().setConfiguration(List.of(serverPeer), List.of());
        assertThat(dropped.isSuccess()).as("%s", dropped).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> "listener".equals(member(server, listener.nodeId())));
        assertThat(server.log()).contains("member missing from the Raft configuration: adding it back");
      }

      // restarted, real nodes rejoin; the server, which reloads what it saw, still refuses the intruder
      listener.kill();
      listener.start();
      await().atMost(Duration.ofSeconds(60)).until(listener::ready);
      server.kill();
      server.start();
      await().atMost(Duration.ofSeconds(60)).until(server::ready);
      await().atMost(Duration.ofSeconds(30))
          .failFast("the forged record made the intruder a Raft member", () -> member(server, "intruder") != null)
          .until(() -> refusals(server) >= 2 && "listener".equals(member(server, listener.nodeId())));
      assertThat(server.put("/api/v1/workloads/after-forgery", Manifests.workload("after-forgery", 0, "sleep", "1")
          .encode()).status()).isEqualTo(201);
      await().atMost(Duration.ofSeconds(10)).until(() -> listener.get("/api/v1/workloads/after-forgery").status() == 200);
      assertThat(intruder.getDivision(RaftNode.GROUP).getRaftConf().getCurrentPeers()).isEmpty();
    }
  }

  /** The member's role in the Raft configuration as {@code asked} reports it, or null when it is not in it. */
  static String member(ClusterNodes.Member asked, String id) {
    JsonObject status = asked.get("/api/v1/cluster").json();
    return status.getJsonArray("servers").stream().map(o -> (JsonObject) o).filter(s -> id.equals(s.getString("id")))
        .map(s -> s.getString("role")).findFirst().orElse(null);
  }

  static long refusals(ClusterNodes.Member m) {
    Matcher matcher = REFUSED.matcher(m.log());
    long n = 0;
    while (matcher.find()) {
      n++;
    }
    return n;
  }

  /** The attacker's own Raft server: an empty member of the group, waiting for a leader to add it. */
  static RaftServer intruder(Path dir, int port) throws Exception {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    GrpcConfigKeys.Server.setHost(properties, "127.0.0.1");
    GrpcConfigKeys.Server.setPort(properties, port);
    RaftServerConfigKeys.setStorageDir(properties, List.of(dir.toFile()));
    RaftServer server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf("intruder"))
        .setGroup(RaftGroup.valueOf(RaftNode.GROUP)).setProperties(properties).setStateMachine(new BaseStateMachine())
        .setOption(RaftStorage.StartupOption.FORMAT).build();
    server.start();
    return server;
  }

  static RaftClient client(RaftPeer server) {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    return RaftClient.newBuilder().setProperties(properties).setRaftGroup(RaftGroup.valueOf(RaftNode.GROUP, server))
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(5,
            org.apache.ratis.util.TimeDuration.valueOf(200, java.util.concurrent.TimeUnit.MILLISECONDS))).build();
  }

  static int freePort() throws Exception {
    return ClusterNodes.freePort(); // outside the ephemeral range: Ratis exits the JVM if its port is taken
  }
}

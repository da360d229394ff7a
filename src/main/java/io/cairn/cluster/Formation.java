package io.cairn.cluster;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.cluster.peer.v1.HelloReply;
import io.cairn.cluster.peer.v1.HelloRequest;
import io.cairn.cluster.peer.v1.Member;
import io.cairn.cluster.peer.v1.PeerGrpcClient;
import io.cairn.config.CairnConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node comes to belong to the Raft group: it recovers the group its storage holds; or it
 * asks every join address who they are and joins a running cluster through its leader, starts as a
 * member of a group a peer bootstrapped naming it, or, once {@code bootstrapExpect} servers have
 * found each other, the first of them by id bootstrap a new group. Ratis then elects the leader.
 */
final class Formation {
  private static final Logger LOG = LoggerFactory.getLogger(Formation.class);

  private final Vertx vertx;
  private final String nodeId;
  private final CairnConfig.Cluster settings;
  private final RaftNode raft;
  private final PeerClients peers;

  Formation(Vertx vertx, String nodeId, CairnConfig.Cluster settings, RaftNode raft, PeerClients peers) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.settings = settings;
    this.raft = raft;
    this.peers = peers;
  }

  /** Hello to every other join address; a peer that does not answer gives null. */
  private List<Future<HelloReply>> hellos(Member me, String myClusterAddress) {
    List<Future<HelloReply>> hellos = new ArrayList<>();
    for (String address : settings.join()) {
      if (!address.equals(myClusterAddress)) {
        hellos.add(peers.call(address, address, PeerGrpcClient.Hello, HelloRequest.newBuilder().setFrom(me).build(), false)
            .otherwise((HelloReply) null));
      }
    }
    return hellos;
  }

  /**
   * The cluster address of the leader the join peers know now (null when none does): an empty member
   * whose join went to a leader that lost its leadership asks again there.
   */
  Future<String> currentLeader(Member me, String myClusterAddress) {
    List<Future<HelloReply>> hellos = hellos(me, myClusterAddress);
    return Future.join(hellos).transform(ar -> Future.succeededFuture(hellos.stream().map(Future::result)
        .filter(Objects::nonNull).filter(HelloReply::getFormed).map(HelloReply::getLeaderClusterAddress)
        .filter(a -> !a.isEmpty()).findFirst().orElse(null)));
  }

  /**
   * Before this node belongs to a group: recover it, join an existing one, or bootstrap a new one.
   * One attempt; completes with the leader's cluster address when it joined a running cluster
   * through it (null otherwise).
   */
  Future<String> step(Member me, String myClusterAddress) {
    if (raft.formed()) {
      return vertx.executeBlocking(() -> {
        raft.recover();
        return null;
      });
    }
    List<Future<HelloReply>> hellos = hellos(me, myClusterAddress);
    return Future.join(hellos).transform(ar -> {
      List<HelloReply> replies = hellos.stream().map(Future::result).filter(Objects::nonNull).toList();
      HelloReply formed = replies.stream().filter(HelloReply::getFormed)
          .filter(r -> !r.getLeaderClusterAddress().isEmpty()).findFirst().orElse(null);
      if (formed != null) {
        LOG.info("joining the running cluster through {}", kv("leader", formed.getLeaderId()));
        return vertx.executeBlocking(() -> {
          raft.format(List.of()); // an empty member: the leader adds it to the configuration
          return formed.getLeaderClusterAddress();
        });
      }
      // a server that bootstrapped before this one saw everybody names this one in its configuration:
      // start as that same group (there is no leader until enough of its members run)
      HelloReply namesMe = replies.stream().filter(HelloReply::getFormed)
          .filter(r -> r.getServersMap().containsKey(nodeId)).findFirst().orElse(null);
      if (namesMe != null && settings.server()) {
        LOG.info("starting as a member of the group a peer bootstrapped {}", kv("servers", namesMe.getServersMap().keySet()));
        return vertx.<String>executeBlocking(() -> {
          raft.format(namesMe.getServersMap().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
              .map(e -> RaftNode.peer(e.getKey(), e.getValue(), false)).toList());
          return null;
        });
      }
      if (!settings.server() || replies.stream().anyMatch(HelloReply::getFormed)) {
        return Future.<String>succeededFuture(); // wait for a leader to exist
      }
      List<Member> servers = new ArrayList<>(replies.stream().map(HelloReply::getSelf).filter(Member::getServer).toList());
      servers.add(me);
      servers.sort(Comparator.comparing(Member::getId));
      if (servers.size() < settings.bootstrapExpect()) {
        LOG.info("waiting for servers before the first election {} {}", kv("found", servers.size()),
            kv("expect", settings.bootstrapExpect()));
        return Future.<String>succeededFuture();
      }
      List<Member> chosen = servers.subList(0, settings.bootstrapExpect());
      if (chosen.stream().noneMatch(m -> m.getId().equals(nodeId))) {
        return Future.<String>succeededFuture(); // the first servers bootstrap; this one joins them afterwards
      }
      LOG.info("bootstrapping a new cluster {}", kv("servers", chosen.stream().map(Member::getId).toList()));
      return vertx.<String>executeBlocking(() -> {
        raft.format(chosen.stream().map(m -> RaftNode.peer(m.getId(), m.getRaftAddress(), false)).toList());
        return null;
      });
    });
  }
}

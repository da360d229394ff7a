package io.cairn.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.bus.Bus;
import io.cairn.state.Entry;
import io.cairn.state.StateStore;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import io.cairn.storage.StorageClient;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which members a leader may put back into the Raft configuration by itself: only those a
 * configuration named (or that joined), at the address and in the role they had there; what a node
 * saw survives its restart. A node record alone, which any writer of the log can forge, is not enough.
 */
@Timeout(60)
class KnownMembersTest {
  @TempDir
  Path dir;

  Vertx vertx;
  StateStore store;
  StorageClient storage;

  /** The storage component's node-local write and scan, over a real store. */
  @BeforeEach
  void storage() throws Exception {
    vertx = Vertx.vertx();
    Bus.registerCodecs(vertx, StorageBus.MESSAGE_TYPES);
    store = StateStore.open(dir.resolve("state"), "n1", false);
    vertx.eventBus().<StorageBus.Write>consumer(StorageBus.WRITE, m -> vertx.executeBlocking(() -> store.write(
        m.body().mutations())).onComplete(ar -> m.reply(new StorageBus.Written(ar.result(), 0))));
    vertx.eventBus().<StorageBus.Scan>consumer(StorageBus.SCAN, m -> vertx.executeBlocking(() -> store.scan(
        m.body().table(), m.body().prefix(), null, m.body().limit(), e -> true)).onComplete(ar -> m.reply(
            new StorageBus.Entries(new ArrayList<Entry<?>>(ar.result())))));
    storage = new StorageClient(vertx, Duration.ofSeconds(5));
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    store.close();
  }

  static RaftNode.Status configuration(Map<String, String> servers, Map<String, String> listeners) {
    return new RaftNode.Status("leader", "a", 2, 10, 10, servers, listeners);
  }

  static NodeRecord record(String id, String raftAddress, boolean server) {
    return new NodeRecord(id, id, NodeRecord.State.Ready, server, Map.of(),
        new NodeRecord.Addresses("h:80", "h:81", "h:82", raftAddress), new NodeRecord.Capacity(1, 1, 1), "test", 1, 1,
        null);
  }

  KnownMembers loaded() throws Exception {
    KnownMembers known = new KnownMembers(storage);
    known.load().await(5, TimeUnit.SECONDS);
    return known;
  }

  @Test
  void onlyAMemberAConfigurationNamedComesBackAtItsAddressInItsRole() throws Exception {
    KnownMembers known = loaded();
    known.observe(configuration(Map.of("a", "h:1", "b", "h:2"), Map.of("l", "h:3")), 1);

    assertThat(known.restorable(record("b", "h:2", true))).isEqualTo(new RaftMember("b", "h:2", false, 1));
    assertThat(known.restorable(record("intruder", "h:9", true))).as("a record alone").isNull();
    assertThat(known.restorable(record("b", "h:9", true))).as("a known id at another address").isNull();
    assertThat(known.restorable(record("l", "h:3", true))).as("a record cannot make a listener a voter")
        .extracting(RaftMember::listener).isEqualTo(true);

    // it dropped out of the configuration (as a listener did after a snapshot install): still known
    known.observe(configuration(Map.of("a", "h:1", "b", "h:2"), Map.of()), 2);
    assertThat(known.restorable(record("l", "h:3", false))).isNotNull();
    // joined through the peer service: known at once
    known.admitted("c", "h:4", false, 3);
    assertThat(known.restorable(record("c", "h:4", true))).isNotNull();
    // re-registered at a new address: only the new one
    known.admitted("c", "h:5", false, 4);
    assertThat(known.restorable(record("c", "h:4", true))).isNull();
    assertThat(known.restorable(record("c", "h:5", true))).isNotNull();
  }

  @Test
  void whatANodeSawSurvivesItsRestartAndARemovedMemberIsForgotten() throws Exception {
    KnownMembers before = loaded();
    before.observe(configuration(Map.of("a", "h:1"), Map.of("l", "h:3")), 1);
    before.admitted("c", "h:4", false, 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> store.count(Table.RAFT_MEMBERS) == 3);

    KnownMembers restarted = loaded();
    assertThat(restarted.restorable(record("l", "h:3", false))).isEqualTo(new RaftMember("l", "h:3", true, 1));
    assertThat(restarted.restorable(record("c", "h:4", true))).isNotNull();
    assertThat(restarted.restorable(record("intruder", "h:9", true))).isNull();

    // cairn node remove: out of the configuration, then its record deleted through the log
    RaftNode.Status withoutC = configuration(Map.of("a", "h:1"), Map.of("l", "h:3"));
    restarted.removed("c", withoutC);
    assertThat(restarted.restorable(record("c", "h:4", true))).isNull();
    // a (forged) delete of a member the configuration still holds forgets nothing
    restarted.removed("l", withoutC);
    assertThat(restarted.restorable(record("l", "h:3", false))).isNotNull();
    await().atMost(Duration.ofSeconds(5)).until(() -> store.get(Table.RAFT_MEMBERS, "c").isEmpty());
    assertThat(loaded().restorable(record("c", "h:4", true))).isNull();
  }
}

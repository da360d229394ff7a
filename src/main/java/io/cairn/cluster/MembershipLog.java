package io.cairn.cluster;

import io.cairn.events.EventTypes;
import io.cairn.model.Event;
import io.cairn.state.Table;
import io.cairn.storage.StorageBus;
import io.cairn.storage.StorageClient;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node records as the log applies them: keeps this node's membership view in step, and records
 * each node change (joined, Ready, Down with its reason, Left, removed) as a cluster event in this
 * node's audit log, with the log index, so every node shows the same cluster events.
 */
final class MembershipLog {
  private static final Logger LOG = LoggerFactory.getLogger(MembershipLog.class);
  private final Membership members;
  private final StorageClient storage;
  private final java.util.function.Consumer<String> removed;

  /** {@code removed}: told of each node record the log deletes, after the view forgot it. */
  MembershipLog(Membership members, StorageClient storage, java.util.function.Consumer<String> removed) {
    this.members = members;
    this.storage = storage;
    this.removed = removed;
  }

  /** Commands applied while {@link #load} reads the table: taken again, in log order, once it replaced the view. */
  private List<StorageBus.Applied> duringLoad;

  /**
   * Reads the node table into the membership view; what the log applies meanwhile is taken again
   * after the read replaced the view, so a change applied during the read is never lost to it.
   */
  io.vertx.core.Future<Void> load() {
    duringLoad = new ArrayList<>();
    return storage.<NodeRecord>scanAll(Table.NODES, "").onComplete(ar -> {
      List<StorageBus.Applied> since = duringLoad;
      duringLoad = null;
      if (ar.succeeded()) {
        members.reload(ar.result());
        since.forEach(this::takeRecords);
      }
    }).mapEmpty();
  }

  private void takeRecords(StorageBus.Applied applied) {
    for (StorageBus.Change c : applied.changes()) {
      if (c.table() == Table.NODES) {
        if (c.value() == null) {
          members.forget(c.key());
        } else {
          members.record((NodeRecord) c.value());
        }
      }
    }
  }

  void applied(StorageBus.Applied applied) {
    if (applied.reload()) {
      load();
      return;
    }
    if (duringLoad != null) {
      duringLoad.add(applied);
    }
    List<Event> clusterEvents = new ArrayList<>();
    for (StorageBus.Change c : applied.changes()) {
      if (c.table() == Table.NODES) {
        NodeRecord before = members.get(c.key());
        if (c.value() == null) {
          members.forget(c.key());
          removed.accept(c.key());
          clusterEvents.add(Event.of(EventTypes.NODE_REMOVED, Event.Severity.Info, null, null,
              "cluster event (log index " + applied.index() + "): node " + c.key() + " removed from the cluster", null));
        } else {
          NodeRecord after = (NodeRecord) c.value();
          members.record(after);
          if (before == null || before.state() != after.state()) {
            clusterEvents.add(nodeEvent(before, after, applied.index()));
          }
        }
      }
    }
    if (!clusterEvents.isEmpty()) { // the same on every node: each records what the log says
      storage.write(List.of(), clusterEvents, null)
          .onFailure(e -> LOG.warn("recording cluster events failed: {}", e.getMessage()));
    }
  }

  private static Event nodeEvent(NodeRecord before, NodeRecord after, long index) {
    String type = before == null ? EventTypes.NODE_JOINED : switch (after.state()) {
      case Ready -> EventTypes.NODE_READY;
      case Down -> EventTypes.NODE_DOWN;
      case Left -> EventTypes.NODE_LEFT;
    };
    return Event.of(type, after.state() == NodeRecord.State.Down ? Event.Severity.Warning : Event.Severity.Info, null,
        null, "cluster event (log index " + index + "): node " + after.id() + " (" + after.name() + ") is "
            + after.state() + (after.reason() == null ? "" : ": " + after.reason()), null);
  }

}

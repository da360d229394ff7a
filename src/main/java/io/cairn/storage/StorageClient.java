package io.cairn.storage;

import io.cairn.bus.Bus;
import io.cairn.events.EventQuery;
import io.cairn.model.Event;
import io.cairn.state.Entry;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import io.cairn.state.Version;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Typed requests to the storage component, for the other components of this node. */
public final class StorageClient {
  private final Vertx vertx;
  private final Duration timeout;

  public StorageClient(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
  }

  @SuppressWarnings("unchecked")
  public <T> Future<Optional<T>> get(Table table, String key) {
    return Bus.<Entry<T>>request(vertx, StorageBus.GET, new StorageBus.Get(table, key), timeout, null)
        .map(e -> Optional.ofNullable(e).map(Entry::value));
  }

  /** Every live entry of a table with keys starting with {@code prefix}, paging through the store. */
  @SuppressWarnings("unchecked")
  public <T> Future<List<T>> scanAll(Table table, String prefix) {
    return Bus.<StorageBus.Entries>request(vertx, StorageBus.SCAN,
            new StorageBus.Scan(table, prefix, null, Integer.MAX_VALUE), timeout, null)
        .map(r -> r.entries().stream().map(e -> (T) e.value()).toList());
  }

  public Future<StorageBus.Written> write(List<Mutation> mutations, List<Event> events, String requestId) {
    return Bus.request(vertx, StorageBus.WRITE, new StorageBus.Write(List.copyOf(mutations), List.copyOf(events)),
        timeout, requestId);
  }

  /** A write that only a current leader may make: refused (CONFLICT) once a leader of a later term wrote. */
  public Future<StorageBus.Written> write(List<Mutation> mutations, List<Event> events, long fenceTerm,
      List<io.cairn.state.LogCommand.Expect> expectations, String requestId) {
    return Bus.request(vertx, StorageBus.WRITE, new StorageBus.Write(List.copyOf(mutations), List.copyOf(events),
        fenceTerm, List.copyOf(expectations)), timeout, requestId);
  }

  /** Every live entry of a table with keys starting with {@code prefix}, with versions and log indices. */
  @SuppressWarnings("unchecked")
  public <T> Future<List<Entry<T>>> scanEntries(Table table, String prefix) {
    return Bus.<StorageBus.Entries>request(vertx, StorageBus.SCAN,
            new StorageBus.Scan(table, prefix, null, Integer.MAX_VALUE), timeout, null)
        .map(r -> r.entries().stream().map(e -> (Entry<T>) e).toList());
  }

  public Future<List<Event>> events(EventQuery query) {
    return Bus.<StorageBus.Events>request(vertx, StorageBus.EVENTS_QUERY, new StorageBus.QueryEvents(query),
        timeout, null).map(StorageBus.Events::events);
  }

  /**
   * Completes with this node's applied index once it is at least {@code index}, waiting at most
   * {@code wait}; DEADLINE_EXCEEDED (naming the index reached) after that. Whatever a component
   * is asked after this completes, it has taken every change up to {@code index}.
   */
  public Future<Long> awaitApplied(long index, Duration wait, String requestId) {
    return Bus.request(vertx, StorageBus.AWAIT_APPLIED, new StorageBus.AwaitApplied(index, wait.toMillis()),
        wait.plus(timeout), requestId);
  }

  public Future<StorageBus.Pong> ping(Duration pingTimeout) {
    return Bus.request(vertx, StorageBus.PING, new StorageBus.Ping(), pingTimeout, null);
  }
}

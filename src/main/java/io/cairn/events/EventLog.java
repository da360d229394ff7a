package io.cairn.events;

import io.cairn.model.Event;
import io.cairn.state.Entry;
import io.cairn.state.Mutation;
import io.cairn.state.StateStore;
import io.cairn.state.Table;
import java.util.ArrayList;
import java.util.List;

/**
 * The append-only, size-capped audit log kept in the state store. Sequence numbers are assigned
 * here, by the single storage thread, so they are gap-free and ordered.
 */
public final class EventLog {
  private final StateStore store;
  private final String nodeId;
  private final int maxEntries;
  private long lastSeq;
  private long firstSeq;

  public EventLog(StateStore store, String nodeId, int maxEntries) {
    this.store = store;
    this.nodeId = nodeId;
    this.maxEntries = maxEntries;
    this.lastSeq = store.lastKey(Table.EVENTS).map(Long::parseLong).orElse(0L);
    List<Entry<Event>> first = store.scan(Table.EVENTS, "", null, 1, e -> true);
    this.firstSeq = first.isEmpty() ? lastSeq + 1 : first.get(0).value().seq();
  }

  /** Keys sort as numbers because they are zero-padded. */
  static String key(long seq) {
    return String.format("%019d", seq);
  }

  /** Numbers the events and returns them with the mutations that store them and trim the oldest. */
  public Appended prepare(List<Event> events) {
    List<Event> numbered = new ArrayList<>(events.size());
    List<Mutation> mutations = new ArrayList<>();
    long seq = lastSeq;
    for (Event e : events) {
      Event n = e.assigned(++seq, nodeId);
      numbered.add(n);
      mutations.add(new Mutation.Put(Table.EVENTS, key(seq), n));
    }
    long newFirst = firstSeq;
    while (seq - newFirst + 1 > maxEntries) {
      mutations.add(new Mutation.Purge(Table.EVENTS, key(newFirst++)));
    }
    return new Appended(numbered, mutations, seq, newFirst);
  }

  /** Call once the mutations of {@link #prepare} are written. */
  public void committed(Appended appended) {
    lastSeq = appended.lastSeq();
    firstSeq = appended.firstSeq();
  }

  public record Appended(List<Event> events, List<Mutation> mutations, long lastSeq, long firstSeq) {}

  public List<Event> query(EventQuery q) {
    String after = q.afterSeq() > 0 ? key(q.afterSeq()) : null;
    List<Entry<Event>> entries = store.scan(Table.EVENTS, "", after, q.limit(), e -> matches(e.value(), q));
    return entries.stream().map(Entry::value).toList();
  }

  static boolean matches(Event e, EventQuery q) {
    return (q.type() == null || q.type().equals(e.type()))
        && (q.workload() == null || q.workload().equals(e.workload()))
        && (q.sinceMillis() == null || e.time() >= q.sinceMillis());
  }
}

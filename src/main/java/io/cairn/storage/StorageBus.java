package io.cairn.storage;

import io.cairn.bus.Addresses;
import io.cairn.events.EventQuery;
import io.cairn.model.Event;
import io.cairn.state.Entry;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import java.util.List;

/** The storage component's addresses and messages. */
public final class StorageBus {
  public static final Addresses ADDRESSES = new Addresses("storage");
  public static final String GET = ADDRESSES.local("get");
  public static final String SCAN = ADDRESSES.local("scan");
  public static final String WRITE = ADDRESSES.local("write");
  public static final String PING = ADDRESSES.local("ping");
  public static final String EVENTS_QUERY = ADDRESSES.local("events.query");
  /** Published after each committed write that carried events: one {@link Event} per message. */
  public static final String EVENTS_APPENDED = ADDRESSES.local("events.appended");

  private StorageBus() {}

  public record Get(Table table, String key) {}

  /** Reply: {@link Entries}. */
  public record Scan(Table table, String prefix, String afterKey, int limit) {}

  public record Entries(List<Entry<?>> entries) {}

  /** Atomic: all mutations and all events land together or not at all. Reply: the write's version. */
  public record Write(List<Mutation> mutations, List<Event> events) {}

  /** Reply: {@link Events}. */
  public record QueryEvents(EventQuery query) {}

  public record Events(List<Event> events) {}

  /** Reply: {@link Pong}. */
  public record Ping() {}

  public record Pong(long entries) {}

  public static final List<Class<?>> MESSAGE_TYPES = List.of(Get.class, Scan.class, Entries.class, Write.class,
      QueryEvents.class, Events.class, Ping.class, Pong.class, Entry.class, Event.class,
      io.cairn.state.Version.class, java.util.Optional.class);
}

package io.cairn.registry;

import io.cairn.bus.Addresses;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The registry component's addresses and messages. Components that run things on this node
 * ({@code claim}/{@code release}/{@code sync}) tell the registry verticle, which keeps the back end
 * in step (heartbeats, catch-up after an outage); anyone may ask where an id runs.
 */
public final class RegistryBus {
  public static final Addresses ADDRESSES = new Addresses("registry");
  /** Sent (no reply): this node now runs {@link Claim#id()}. */
  public static final String CLAIM = ADDRESSES.local("claim");
  /** Sent (no reply): this node no longer runs the id. */
  public static final String RELEASE = ADDRESSES.local("release");
  /** Sent (no reply): the complete set of ids of one kind this node runs (after start-up or adoption). */
  public static final String SYNC = ADDRESSES.local("sync");
  public static final String LOCATE = ADDRESSES.local("locate");
  public static final String MEMBERS = ADDRESSES.local("members");
  public static final String LOAD = ADDRESSES.local("load");
  public static final String STATUS = ADDRESSES.local("status");

  private RegistryBus() {}

  /** What kind of thing an id names: a workload instance or a task. */
  public enum Kind { instance, task }

  public record Claim(String id, Kind kind) {}

  public record Release(String id) {}

  public record Sync(Kind kind, Set<String> ids) {}

  /** Reply: {@link Location}, or NOT_FOUND. */
  public record Locate(String id) {}

  public record Location(String id, String node) {}

  /** Reply: {@link Members}. */
  public record MembersQuery(String node) {}

  public record Members(String node, Set<String> ids) {}

  /** Reply: {@link Load}: live ids per node. */
  public record LoadQuery() {}

  public record Load(Map<String, Long> byNode) {}

  /** Reply: {@link Status}. */
  public record StatusQuery() {}

  /**
   * {@code up}: the last call to the back end worked and every claim is registered there;
   * {@code breakers}: state per remote target ("closed", "half_open", "open").
   */
  public record Status(String backend, boolean up, int claims, int pendingReleases, String lastError,
      long lastSuccessAt, Map<String, String> breakers) {}

  public static final List<Class<?>> MESSAGE_TYPES = List.of(Claim.class, Release.class, Sync.class, Locate.class,
      Location.class, MembersQuery.class, Members.class, LoadQuery.class, Load.class, StatusQuery.class,
      Status.class);
}

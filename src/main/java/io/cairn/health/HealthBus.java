package io.cairn.health;

import io.cairn.bus.Addresses;
import io.cairn.node.NodeResources;
import java.util.List;
import java.util.Map;

/** Addresses and messages of the health component: probes and node information. */
public final class HealthBus {
  public static final Addresses ADDRESSES = new Addresses("health");
  public static final String PROBE = ADDRESSES.local("probe");
  public static final String NODE_INFO = ADDRESSES.local("node");
  /** Published when the node starts shutting down: readiness goes DOWN at once. */
  public static final String DRAINING = ADDRESSES.local("draining");

  private HealthBus() {}

  public enum Kind { live, ready, startup }

  /** Reply: {@link Report}. */
  public record Probe(Kind kind) {}

  public record Check(boolean up, Map<String, Object> data) {}

  /** {@code degraded}: checks that are DOWN without making the probe fail (the location registry). */
  public record Report(boolean up, Map<String, Check> checks, List<String> degraded) {}

  /** Reply: {@link NodeInfo}. */
  public record NodeInfoQuery() {}

  /** {@code isolation}: how this node keeps workloads and tasks apart from itself (run user, cgroups). */
  public record NodeInfo(String id, String name, String version, long startedAt, NodeResources.Snapshot resources,
      java.util.Map<String, Object> isolation, java.util.Map<String, String> labels, String apiAddress, String s3Address) {}

  public record Draining() {}

  public static final List<Class<?>> MESSAGE_TYPES = List.of(Probe.class, Check.class, Report.class,
      NodeInfoQuery.class, NodeInfo.class, Draining.class);
}

package io.cairn.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.bus.Addresses;
import java.util.List;

/** The workload service's addresses and messages (owned by the reconcile component). */
public final class ReconcileBus {
  public static final Addresses ADDRESSES = new Addresses("workloads");
  public static final String APPLY = ADDRESSES.local("apply");
  public static final String GET = ADDRESSES.local("get");
  public static final String LIST = ADDRESSES.local("list");
  public static final String DELETE = ADDRESSES.local("delete");
  public static final String SCALE = ADDRESSES.local("scale");
  public static final String RETRY = ADDRESSES.local("retry");
  public static final String HEALTH = ADDRESSES.local("health");
  /** Asked once by each front end at start: the {@link WorkloadReads} it then reads from its own event loop. */
  public static final String READS = ADDRESSES.local("reads");
  /** Published after every committed change to a workload's spec, status or instances. */
  public static final String CHANGED = ADDRESSES.local("changed");

  private ReconcileBus() {}

  /** Reply: {@link Applied}. The manifest is the parsed body; validation happens in the service. */
  /**
   * {@code ifMatch}: the resource version the client read (If-Match header); null for none. The
   * manifest's {@code metadata.resourceVersion} counts the same.
   */
  public record Apply(String name, JsonNode manifest, String ifMatch) {
    public Apply(String name, JsonNode manifest) {
      this(name, manifest, null);
    }
  }

  public record Applied(boolean created, WorkloadView view) {}

  /** Reply: {@link WorkloadView}. */
  public record Get(String name) {}

  /** Reply: {@link Page}. {@code labelSelector} like {@code app=web,tier!=db}; nulls match all. */
  public record ListWorkloads(String labelSelector, String phase, Integer limit, String pageToken) {}

  public record Page(List<WorkloadView> items, String nextPageToken) {}

  /** Reply: {@link WorkloadView} in phase Stopping. */
  public record Delete(String name) {}

  public record Scale(String name, long replicas) {}

  public record Retry(String name) {}

  public record HealthQuery() {}

  /** Reply: {@link WorkloadReads}, the one this node's reconciler publishes to (shared, read-only to the asker). */
  public record ReadsQuery() {}

  public record Changed(String name) {}

  public static final List<Class<?>> MESSAGE_TYPES = List.of(Apply.class, Applied.class, Get.class,
      ListWorkloads.class, Page.class, Delete.class, Scale.class, Retry.class, HealthQuery.class, Changed.class,
      ReadsQuery.class, WorkloadReads.class, WorkloadView.class, Reconciler.Health.class);
}

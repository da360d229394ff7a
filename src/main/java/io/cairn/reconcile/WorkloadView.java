package io.cairn.reconcile;

import io.cairn.model.InstanceStatus;
import io.cairn.model.Workload;
import io.cairn.model.WorkloadStatus;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A workload as clients see it: desired spec, observed status and its instances. {@code revision}
 * is the reconciler's change counter when the view was taken: equal revisions mean equal views, so
 * front ends may reuse what they rendered.
 */
public record WorkloadView(Workload workload, WorkloadStatus status, List<InstanceStatus> instances, long revision,
    long resourceVersion) {

  /** Resources all workloads (not being deleted) request together: replicas times each one's requests. */
  record Requested(long cpuMillis, long memoryBytes) {
    static long cpuOf(Workload w) {
      return w.spec().resources().cpuMillis() * w.spec().replicas();
    }

    static long memoryOf(Workload w) {
      return w.spec().resources().memoryBytes() * w.spec().replicas();
    }
  }

  /**
   * The reconciler's in-memory copy of its tables. Changes reach it from this node's commits as
   * they return and from the applied log; they may come out of order, so each entry remembers the
   * log index of the change it holds and only a newer change replaces it ({@link #take}).
   */
  static final class Memory {
    /** Deleted entries are remembered this long (count), so a late older write cannot revive one. */
    private static final int DELETIONS_REMEMBERED = 10_000;

    final Map<String, Workload> workloads = new HashMap<>();
    final Map<String, WorkloadStatus> statuses = new HashMap<>();
    final Map<String, InstanceStatus> instances = new HashMap<>();
    /** Cluster members (cluster mode only): where instances may be placed. */
    final Map<String, io.cairn.cluster.NodeRecord> nodes = new HashMap<>();
    /** workload name -> the log index of its spec's last change: its resource version. */
    final Map<String, Long> versions = new HashMap<>();
    /** "table/key" -> log index of the change held (or of the deletion, for the last deletions). */
    private final Map<String, Long> heldAt = new HashMap<>();
    private final Map<String, Long> deletedAt = new java.util.LinkedHashMap<>(256, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
        return size() > DELETIONS_REMEMBERED;
      }
    };
    /** Rises with every published change. */
    long revision;
    /** What front ends read without asking (see {@link WorkloadReads}); follows {@link #publish}. */
    final WorkloadReads published = new WorkloadReads();
    /** Workloads whose view changed since the last {@link #publish}. */
    private final java.util.Set<String> dirty = new java.util.HashSet<>();
    /** workload name -> its instances by id: a workload's instances without a walk over all. */
    private final Map<String, Map<String, InstanceStatus>> byWorkload = new HashMap<>();
    private long cpuRequested;
    private long memoryRequested;

    Requested requested() {
      return new Requested(cpuRequested, memoryRequested);
    }

    void clear() {
      dirty.addAll(published.names());
      cpuRequested = 0;
      memoryRequested = 0;
      byWorkload.clear();
      workloads.clear();
      statuses.clear();
      instances.clear();
      nodes.clear();
      versions.clear();
      heldAt.clear();
      deletedAt.clear();
    }

    /**
     * Takes the change of {@code table/key} to {@code value} (null: deleted) made at log index
     * {@code index}, unless a newer one is held. Returns whether it was new here (an equal index is
     * the same change seen twice: taken again, reported as not new).
     */
    boolean take(io.cairn.state.Table table, String key, Object value, long index) {
      String id = table.name() + "/" + key;
      Long held = heldAt.containsKey(id) ? heldAt.get(id) : deletedAt.get(id);
      if (held != null && held > index) {
        return false;
      }
      switch (table) {
        case WORKLOADS -> {
          Workload old = value == null ? workloads.remove(key) : workloads.put(key, (Workload) value);
          if (value == null) {
            versions.remove(key);
          } else {
            versions.put(key, index);
          }
          count(old, -1);
          count((Workload) value, 1);
          dirty.add(key);
        }
        case WORKLOAD_STATUS -> {
          if (value == null) {
            statuses.remove(key);
          } else {
            statuses.put(key, (WorkloadStatus) value);
          }
          dirty.add(key);
        }
        case INSTANCES -> {
          InstanceStatus old = value == null ? instances.remove(key) : instances.put(key, (InstanceStatus) value);
          if (old != null) {
            Map<String, InstanceStatus> of = byWorkload.get(old.workload());
            of.remove(key);
            if (of.isEmpty()) {
              byWorkload.remove(old.workload());
            }
            dirty.add(old.workload());
          }
          if (value != null) {
            InstanceStatus inst = (InstanceStatus) value;
            byWorkload.computeIfAbsent(inst.workload(), w -> new HashMap<>()).put(key, inst);
            dirty.add(inst.workload());
          }
        }
        case NODES -> {
          if (value == null) {
            nodes.remove(key);
          } else {
            nodes.put(key, (io.cairn.cluster.NodeRecord) value);
          }
        }
        default -> {
          return false; // not held in memory
        }
      }
      if (value == null) {
        heldAt.remove(id);
        deletedAt.put(id, index);
      } else {
        deletedAt.remove(id);
        heldAt.put(id, index);
      }
      return held == null || held < index;
    }

    /**
     * Raises the revision and publishes the view of every workload changed since the last call.
     * Whoever takes changes calls it before giving the event loop back (before answering the
     * request that caused them), so front ends never read a view older than an answer they sent.
     */
    void publish() {
      if (dirty.isEmpty()) {
        return;
      }
      revision++;
      for (String name : dirty) {
        WorkloadView v = view(name);
        if (v == null) {
          published.remove(name);
        } else {
          published.put(name, v);
        }
      }
      dirty.clear();
    }

    private void count(Workload w, int sign) {
      if (w != null && !w.deleting()) {
        cpuRequested += sign * Requested.cpuOf(w);
        memoryRequested += sign * Requested.memoryOf(w);
      }
    }

    List<InstanceStatus> instancesOf(String workload) {
      return byWorkload.getOrDefault(workload, Map.of()).values().stream()
          .sorted(Comparator.comparingInt(InstanceStatus::ordinal).thenComparing(InstanceStatus::id)).toList();
    }

    WorkloadView view(String name) {
      Workload w = workloads.get(name);
      if (w == null) {
        return null;
      }
      WorkloadStatus s = statuses.getOrDefault(name, WorkloadStatus.pending(name, w.generation()));
      return new WorkloadView(w, s, instancesOf(name), revision, versions.getOrDefault(name, 0L));
    }
  }
}

package io.cairn.objects;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The object store's metrics. Byte and chunk totals are kept up to date by the chunk store and the
 * catalog as they change (and counted once at start-up), so a scrape never walks the disk.
 */
public final class StorageMetrics {
  final AtomicLong logicalBytes = new AtomicLong();
  final AtomicLong storedBytes = new AtomicLong();
  final AtomicLong chunks = new AtomicLong();
  private final MeterRegistry registry;
  private final Counter corrupt;
  private final Counter reclaimed;
  private final Map<String, Counter> operations = new ConcurrentHashMap<>();
  private final Map<String, Timer> durations = new ConcurrentHashMap<>();

  public StorageMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("cairn_storage_bytes", logicalBytes, AtomicLong::get).tag("kind", "logical")
        .description("Bytes of all objects as clients see them").register(registry);
    Gauge.builder("cairn_storage_bytes", storedBytes, AtomicLong::get).tag("kind", "stored")
        .description("Bytes of chunk files on disk (after dedup and compression)").register(registry);
    Gauge.builder("cairn_storage_chunks", chunks, AtomicLong::get).description("Chunks stored on this node")
        .register(registry);
    Gauge.builder("cairn_storage_dedup_ratio", this, m -> m.storedBytes.get() == 0 ? 1.0
        : (double) m.logicalBytes.get() / m.storedBytes.get())
        .description("Logical bytes per stored byte").register(registry);
    corrupt = Counter.builder("cairn_storage_corrupt_chunks").description("Chunk reads that failed verification")
        .register(registry);
    reclaimed = Counter.builder("cairn_storage_gc_reclaimed_bytes").description("Bytes freed by chunk GC")
        .register(registry);
    for (String op : new String[] {"chunk_put", "chunk_get", "object_commit", "object_get", "object_delete",
        "object_list"}) {
      operation(op);
    }
  }

  /** For code that has no registry (tests of plain classes). */
  public static StorageMetrics detached() {
    return new StorageMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  }

  private Counter operation(String op) {
    return operations.computeIfAbsent(op, o -> Counter.builder("cairn_storage_operations").tag("op", o)
        .description("Storage operations by kind").register(registry));
  }

  public void record(String op, long startedNanos) {
    operation(op).increment();
    durations.computeIfAbsent(op, o -> Timer.builder("cairn_storage_operation_duration").tag("op", o)
        .description("Storage operation latency").register(registry))
        .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
  }

  public void corrupt() {
    corrupt.increment();
  }

  public void reclaimed(long bytes) {
    reclaimed.increment(bytes);
  }
}

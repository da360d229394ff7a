package io.cairn.node;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the machine's capacity and current use (blocking: /proc and the file system). */
public final class NodeResources {
  private static final long CPU_WINDOW_MILLIS = 5_000;
  private final Path dataDir;
  private long[] lastCpuSample;
  private long lastCpuSampleAt;
  private double cpuFraction;

  public NodeResources(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** cpu in millicores, memory and disk in bytes. */
  public record Amounts(long cpuMillis, long memoryBytes, long diskBytes) {}

  public record Snapshot(Amounts capacity, Amounts used, double cpuPercent, double memoryPercent,
      double diskPercent) {}

  public Snapshot snapshot() {
    long cpus = Runtime.getRuntime().availableProcessors();
    long memTotal = meminfo("MemTotal:");
    long memAvailable = meminfo("MemAvailable:");
    long diskTotal = 0;
    long diskFree = 0;
    try {
      FileStore store = Files.getFileStore(dataDir);
      diskTotal = store.getTotalSpace();
      diskFree = store.getUsableSpace();
    } catch (IOException e) {
      // disk unknown: reported as zero capacity
    }
    double cpuLoad = cpuLoad();
    long memUsed = Math.max(0, memTotal - memAvailable);
    long diskUsed = Math.max(0, diskTotal - diskFree);
    Amounts capacity = new Amounts(cpus * 1000, memTotal, diskTotal);
    Amounts used = new Amounts(Math.round(cpuLoad * cpus * 1000), memUsed, diskUsed);
    return new Snapshot(capacity, used, cpuLoad * 100, percent(memUsed, memTotal), percent(diskUsed, diskTotal));
  }

  private static double percent(long part, long whole) {
    return whole <= 0 ? 0 : 100.0 * part / whole;
  }

  /**
   * Busy share of all cpus over the last window of at least five seconds (since boot at first), so
   * one busy moment does not decide admission.
   */
  private synchronized double cpuLoad() {
    long[] now = procStatCpu();
    if (now == null) {
      return jvmCpuLoad();
    }
    long at = System.currentTimeMillis();
    if (lastCpuSample == null) {
      cpuFraction = busyFraction(new long[] {0, 0}, now);
      lastCpuSample = now;
      lastCpuSampleAt = at;
    } else if (at - lastCpuSampleAt >= CPU_WINDOW_MILLIS) {
      cpuFraction = busyFraction(lastCpuSample, now);
      lastCpuSample = now;
      lastCpuSampleAt = at;
    }
    return cpuFraction;
  }

  private static double busyFraction(long[] before, long[] after) {
    long total = after[0] - before[0];
    long idle = after[1] - before[1];
    return total <= 0 ? 0 : Math.max(0, Math.min(1, (double) (total - idle) / total));
  }

  /** {total, idle} jiffies from the first line of /proc/stat, or null where there is none. */
  private static long[] procStatCpu() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] f = line.trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
      return new long[] {total, idle};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static double jvmCpuLoad() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      double load = os.getCpuLoad();
      return load < 0 ? 0 : load;
    }
    return 0;
  }

  private static long meminfo(String field) {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/meminfo"));
      for (String line : lines) {
        if (line.startsWith(field)) {
          String[] parts = line.substring(field.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux or unreadable: fall back to the JVM's view below
    }
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return field.startsWith("MemTotal") ? os.getTotalMemorySize() : os.getFreeMemorySize();
    }
    return 0;
  }
}

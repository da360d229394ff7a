package io.cairn.node;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the machine's capacity and current use (blocking: /proc and the file system). */
public final class NodeResources {
  private final Path dataDir;

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

  private static double cpuLoad() {
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

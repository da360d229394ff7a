package io.cairn.config;

import java.nio.file.Path;
import java.time.Duration;

/** The node's whole configuration, parsed and validated once at start-up. */
public record CairnConfig(
    String nodeId,
    String nodeName,
    Path dataDir,
    String httpHost,
    int httpPort,
    long httpMaxBodyBytes,
    Duration requestTimeout,
    String logFormat,
    String logLevel,
    Duration shutdownGracePeriod,
    Duration reconcileInterval,
    Duration gcInterval,
    Duration gcFailedTtl,
    int cpuThresholdPercent,
    int memoryThresholdPercent,
    int diskThresholdPercent,
    long logsMaxFileBytes,
    int logsMaxFiles,
    int eventsMaxEntries,
    boolean syncWrites) {

  static CairnConfig from(Values v) {
    return new CairnConfig(
        v.get(Settings.NODE_ID), v.get(Settings.NODE_NAME), v.get(Settings.DATA_DIR).toAbsolutePath().normalize(),
        v.get(Settings.HTTP_HOST), v.get(Settings.HTTP_PORT), v.get(Settings.HTTP_MAX_BODY_SIZE),
        v.get(Settings.HTTP_REQUEST_TIMEOUT), v.get(Settings.LOG_FORMAT), v.get(Settings.LOG_LEVEL),
        v.get(Settings.SHUTDOWN_GRACE_PERIOD), v.get(Settings.RECONCILE_INTERVAL), v.get(Settings.GC_INTERVAL),
        v.get(Settings.GC_FAILED_TTL), v.get(Settings.ADMISSION_CPU_THRESHOLD),
        v.get(Settings.ADMISSION_MEMORY_THRESHOLD), v.get(Settings.ADMISSION_DISK_THRESHOLD),
        v.get(Settings.LOGS_MAX_FILE_SIZE), v.get(Settings.LOGS_MAX_FILES), v.get(Settings.EVENTS_MAX_ENTRIES),
        v.get(Settings.STATE_SYNC_WRITES));
  }

  /** Typed lookup of parsed values, so {@link #from} reads like the settings list. */
  interface Values {
    <T> T get(Setting<T> setting);
  }

  public Path httpPortFile() {
    return dataDir.resolve("http.port");
  }
}

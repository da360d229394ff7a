package io.cairn.runtime;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Starts, finds and signals OS processes for instances. Blocking: call from worker threads.
 *
 * <p>Every process carries {@code CAIRN_NODE_ID} and {@code CAIRN_INSTANCE_ID} in its environment,
 * so the node can recognise processes it started even when its own records are lost (orphan GC),
 * and can tell a reused pid from its own process on adoption.
 */
public final class ProcessDriver {
  public static final String ENV_NODE_ID = "CAIRN_NODE_ID";
  public static final String ENV_INSTANCE_ID = "CAIRN_INSTANCE_ID";
  public static final String ENV_WORKLOAD = "CAIRN_WORKLOAD";
  private final String nodeId;
  private final LogFiles logs;
  private final Isolation isolation;
  private final LogPumps pumps;

  public ProcessDriver(String nodeId, LogFiles logs, Isolation isolation, LogPumps pumps) {
    this.pumps = pumps;
    this.nodeId = nodeId;
    this.logs = logs;
    this.isolation = isolation;
  }

  public Isolation isolation() {
    return isolation;
  }

  /** Resumes moving an adopted instance's output into its files (a new agent after a restart). */
  public void resumeLogs(long pid, String instanceId) {
    String workload = marker(pid, ENV_WORKLOAD);
    if (workload != null) {
      pumps.pump(logs.file(workload, instanceId, LogFiles.Stream.stdout));
      pumps.pump(logs.file(workload, instanceId, LogFiles.Stream.stderr));
    }
  }

  public void close() {
    pumps.close();
  }

  public record Launch(String instanceId, String workload, List<String> argv, Map<String, String> env,
      String workingDir, long memoryBytes, long cpuMillis) {}

  public record Started(Process process, long pid, long startMillis) {}

  public record Owned(long pid, long startMillis, String instanceId, String workload) {}

  public Started start(Launch launch) {
    LogFiles.Pair files = logs.prepare(launch.workload(), launch.instanceId());
    Path[] pipes;
    try {
      pipes = new Path[] {LogPumps.ensurePipe(files.stdout()), LogPumps.ensurePipe(files.stderr())};
    } catch (IOException e) {
      throw new CairnException(ErrorCode.INTERNAL, "cannot create the log pipes of " + launch.instanceId() + ": "
          + e.getMessage());
    }
    Isolation.Prepared prepared = isolation.prepare(launch.instanceId(), launch.argv(), launch.env(),
        Map.of(ENV_NODE_ID, nodeId, ENV_INSTANCE_ID, launch.instanceId(), ENV_WORKLOAD, launch.workload()),
        launch.workingDir(), launch.memoryBytes(), launch.cpuMillis(), pipes);
    ProcessBuilder pb = prepared.processBuilder();
    // the pumps move output from the pipes into these files; a failure before the pipes are set up
    // (the group join) still lands in the files directly
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(files.stdout().toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(files.stderr().toFile()));
    try {
      Process process = pb.start();
      pumps.pump(files.stdout()); // output written before a pump runs waits in the pipe
      pumps.pump(files.stderr());
      long start = process.info().startInstant().map(Instant::toEpochMilli).orElse(System.currentTimeMillis());
      return new Started(process, process.pid(), start);
    } catch (IOException e) {
      throw execFailed(launch.argv().get(0) + ": " + e.getMessage());
    }
  }

  /** PATH lookup done here so that "not found" is reported exactly, before any fork. */
  public static Path resolveExecutable(String name, String path, Path workingDir) {
    if (name.contains("/")) {
      Path p = workingDir.resolve(name);
      if (!Files.exists(p)) {
        throw execFailed(name + ": no such file");
      }
      if (Files.isDirectory(p) || !Files.isExecutable(p)) {
        throw execFailed(name + ": permission denied (not an executable file)");
      }
      return p;
    }
    for (String dir : path.split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw execFailed(name + ": not found");
  }

  public static CairnException execFailed(String why) {
    return new CairnException(ErrorCode.EXEC_FAILED, "EXEC_FAILED: " + why);
  }

  /** The live process with this pid, if it is still the one this instance started. */
  public Optional<ProcessHandle> find(long pid, long startMillis, String instanceId) {
    return ProcessHandle.of(pid)
        .filter(h -> isRunning(h.pid()))
        .filter(h -> h.info().startInstant().map(i -> Math.abs(i.toEpochMilli() - startMillis) < 1000).orElse(false))
        .filter(h -> instanceId.equals(marker(pid, ENV_INSTANCE_ID)));
  }

  /**
   * Alive and not a zombie. A process adopted from a previous agent is no longer our child; if
   * nothing reaps it, it lingers as a zombie that {@link ProcessHandle#isAlive()} still reports.
   */
  public static boolean isRunning(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      char state = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
      return state != 'Z' && state != 'X';
    } catch (IOException | SecurityException e) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  /** SIGTERM (or SIGKILL when {@code force}) to the instance's processes: tree, group, and (kill) its control group. */
  public boolean signal(String instanceId, ProcessHandle handle, boolean force) {
    return isolation.stop(instanceId, handle, force);
  }

  /** SIGTERM (or SIGKILL) to a process and its descendants; shared with the task runner. */
  public static boolean signalTree(ProcessHandle handle, boolean force) {
    List<ProcessHandle> tree = Stream.concat(handle.descendants(), Stream.of(handle)).toList();
    for (ProcessHandle h : tree) {
      if (force) {
        h.destroyForcibly();
      } else {
        h.destroy();
      }
    }
    return !tree.isEmpty();
  }

  /** Processes whose environment says this node started them (children included: they inherit it). */
  public List<Owned> scanOwned() {
    List<Owned> owned = new ArrayList<>();
    ProcessHandle.allProcesses().forEach(h -> {
      String node = marker(h.pid(), ENV_NODE_ID);
      if (nodeId.equals(node)) {
        long start = h.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        owned.add(new Owned(h.pid(), start, marker(h.pid(), ENV_INSTANCE_ID), marker(h.pid(), ENV_WORKLOAD)));
      }
    });
    return owned;
  }

  /** Reads one variable of a process's environment from /proc; null when absent or unreadable. */
  public static String marker(long pid, String name) {
    try {
      byte[] environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
      String prefix = name + "=";
      for (String kv : new String(environ, StandardCharsets.UTF_8).split("\0")) {
        if (kv.startsWith(prefix)) {
          return kv.substring(prefix.length());
        }
      }
    } catch (IOException | SecurityException e) {
      // exited, or not ours to read
    }
    return null;
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new CairnException(ErrorCode.INTERNAL, "cannot create " + dir + ": " + e.getMessage());
    }
  }
}

package io.cairn.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One control group per instance or task, where the machine lets the node write one: cgroup v2
 * (memory.max, cpu.max, pids.max, cgroup.kill) or a v1 hierarchy (memory, cpu, pids, freezer), as
 * on hosts that mount v1. A group is named after the id it contains, so a restarted node finds the
 * groups of the processes it adopts without any saved state. Blocking file I/O: worker threads only.
 */
public abstract class Cgroups {
  private static final Logger LOG = LoggerFactory.getLogger(Cgroups.class);
  static final Path ROOT = Path.of("/sys/fs/cgroup");
  private static final long CPU_PERIOD_MICROS = 100_000;

  /** Limits for one group; zero means none. */
  public record Limits(long memoryBytes, long cpuMillis, long pidsMax) {}

  /** The v1/v2 flavour found here, or a no-op when neither is writable. */
  public static Cgroups detect(String parent) {
    try {
      Path v2 = ROOT.resolve("cgroup.controllers");
      if (Files.isRegularFile(v2) && Files.readString(v2).contains("memory")) {
        Cgroups g = new V2(ROOT.resolve(parent));
        if (g.usable()) {
          return g;
        }
      }
      if (Files.isDirectory(ROOT.resolve("memory"))) {
        Cgroups g = new V1(parent);
        if (g.usable()) {
          return g;
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.info("cgroups not usable: {}", e.getMessage());
    }
    return new None();
  }

  /** "v2", "v1" or "none". */
  public abstract String mode();

  /** The controllers limits are set through. */
  public abstract List<String> controllers();

  /** Creates the group and writes its limits; returns the files a process writes its pid to, to join. */
  public abstract List<Path> create(String id, Limits limits) throws IOException;

  /** Kills every process in the group (none survives, wherever it re-parented or re-sessioned). */
  public abstract void killAll(String id);

  /** The pids in the group now (empty without cgroups). */
  public abstract List<Long> members(String id);

  /** Whether the kernel's OOM killer acted in the group. */
  public abstract boolean oomKilled(String id);

  /** Removes the group once it is empty; leftovers are killed first. */
  public abstract void remove(String id);

  abstract boolean usable();

  static void write(Path file, String value) throws IOException {
    Files.writeString(file, value, StandardCharsets.US_ASCII);
  }

  static List<Long> pids(Path procs) {
    try {
      return Files.readAllLines(procs).stream().filter(s -> !s.isBlank()).map(s -> Long.parseLong(s.trim())).toList();
    } catch (IOException | NumberFormatException e) {
      return List.of();
    }
  }

  static long oomKills(Path eventsFile) {
    try {
      for (String line : Files.readAllLines(eventsFile)) {
        if (line.startsWith("oom_kill ")) {
          return Long.parseLong(line.substring("oom_kill ".length()).trim());
        }
      }
    } catch (IOException | NumberFormatException e) {
      // no such group (any more)
    }
    return 0;
  }

  static void killPids(List<Long> pids) {
    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  static void rmdir(Path dir) {
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      LOG.debug("cgroup {} not removed yet: {}", dir, e.getMessage());
    }
  }

  /** cgroup v1: one directory per controller hierarchy; the freezer stops forks while killing. */
  static final class V1 extends Cgroups {
    private static final List<String> CONTROLLERS = List.of("memory", "cpu", "pids", "freezer");
    private final String parent;

    V1(String parent) {
      this.parent = parent;
    }

    private Path dir(String controller, String id) {
      return ROOT.resolve(controller).resolve(parent).resolve(id);
    }

    @Override
    boolean usable() {
      try {
        for (String c : CONTROLLERS) {
          Files.createDirectories(ROOT.resolve(c).resolve(parent));
        }
        return true;
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }

    @Override
    public String mode() {
      return "v1";
    }

    @Override
    public List<String> controllers() {
      return CONTROLLERS;
    }

    @Override
    public List<Path> create(String id, Limits limits) throws IOException {
      List<Path> procs = new ArrayList<>();
      for (String c : CONTROLLERS) {
        Path d = dir(c, id);
        Files.createDirectories(d);
        procs.add(d.resolve("cgroup.procs"));
      }
      if (limits.memoryBytes() > 0) {
        write(dir("memory", id).resolve("memory.limit_in_bytes"), Long.toString(limits.memoryBytes()));
        Path swap = dir("memory", id).resolve("memory.memsw.limit_in_bytes");
        if (Files.exists(swap)) {
          write(swap, Long.toString(limits.memoryBytes())); // no swapping past the limit either
        }
      }
      if (limits.cpuMillis() > 0) {
        write(dir("cpu", id).resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_MICROS));
        write(dir("cpu", id).resolve("cpu.cfs_quota_us"), Long.toString(limits.cpuMillis() * CPU_PERIOD_MICROS / 1000));
      }
      if (limits.pidsMax() > 0) {
        write(dir("pids", id).resolve("pids.max"), Long.toString(limits.pidsMax()));
      }
      return procs;
    }

    @Override
    public void killAll(String id) {
      Path freezer = dir("freezer", id);
      if (!Files.isDirectory(freezer)) {
        killPids(pids(dir("memory", id).resolve("cgroup.procs")));
        return;
      }
      try {
        write(freezer.resolve("freezer.state"), "FROZEN");
        for (int i = 0; i < 100 && !Files.readString(freezer.resolve("freezer.state")).trim().equals("FROZEN"); i++) {
          Thread.sleep(10);
        }
        killPids(pids(freezer.resolve("cgroup.procs")));
      } catch (IOException e) {
        killPids(pids(freezer.resolve("cgroup.procs")));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        try {
          write(freezer.resolve("freezer.state"), "THAWED"); // a frozen process cannot die
        } catch (IOException e) {
          LOG.debug("thaw {}: {}", id, e.getMessage());
        }
      }
    }

    @Override
    public List<Long> members(String id) {
      return pids(dir("freezer", id).resolve("cgroup.procs"));
    }

    @Override
    public boolean oomKilled(String id) {
      return oomKills(dir("memory", id).resolve("memory.oom_control")) > 0;
    }

    @Override
    public void remove(String id) {
      if (!pids(dir("freezer", id).resolve("cgroup.procs")).isEmpty()) {
        killAll(id);
      }
      CONTROLLERS.forEach(c -> rmdir(dir(c, id)));
    }
  }

  /** cgroup v2: one directory; cgroup.kill kills the whole group atomically. */
  static final class V2 extends Cgroups {
    private final Path parent;

    V2(Path parent) {
      this.parent = parent;
    }

    @Override
    boolean usable() {
      try {
        Files.createDirectories(parent);
        write(ROOT.resolve("cgroup.subtree_control"), "+memory +cpu +pids");
        write(parent.resolve("cgroup.subtree_control"), "+memory +cpu +pids");
        return true;
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }

    @Override
    public String mode() {
      return "v2";
    }

    @Override
    public List<String> controllers() {
      return List.of("memory", "cpu", "pids");
    }

    @Override
    public List<Path> create(String id, Limits limits) throws IOException {
      Path d = parent.resolve(id);
      Files.createDirectories(d);
      if (limits.memoryBytes() > 0) {
        write(d.resolve("memory.max"), Long.toString(limits.memoryBytes()));
        if (Files.exists(d.resolve("memory.swap.max"))) {
          write(d.resolve("memory.swap.max"), "0");
        }
      }
      if (limits.cpuMillis() > 0) {
        write(d.resolve("cpu.max"), (limits.cpuMillis() * CPU_PERIOD_MICROS / 1000) + " " + CPU_PERIOD_MICROS);
      }
      if (limits.pidsMax() > 0) {
        write(d.resolve("pids.max"), Long.toString(limits.pidsMax()));
      }
      return List.of(d.resolve("cgroup.procs"));
    }

    @Override
    public void killAll(String id) {
      Path d = parent.resolve(id);
      try {
        write(d.resolve("cgroup.kill"), "1");
      } catch (IOException e) {
        killPids(pids(d.resolve("cgroup.procs")));
      }
    }

    @Override
    public List<Long> members(String id) {
      return pids(parent.resolve(id).resolve("cgroup.procs"));
    }

    @Override
    public boolean oomKilled(String id) {
      return oomKills(parent.resolve(id).resolve("memory.events")) > 0;
    }

    @Override
    public void remove(String id) {
      if (!pids(parent.resolve(id).resolve("cgroup.procs")).isEmpty()) {
        killAll(id);
      }
      rmdir(parent.resolve(id));
    }
  }

  /** No writable cgroups: no limits; the process group is what a stop kills. */
  static final class None extends Cgroups {
    @Override
    boolean usable() {
      return true;
    }

    @Override
    public String mode() {
      return "none";
    }

    @Override
    public List<String> controllers() {
      return List.of();
    }

    @Override
    public List<Path> create(String id, Limits limits) {
      return List.of();
    }

    @Override
    public void killAll(String id) {
      // found by process group instead: see Isolation#killGroup
    }

    @Override
    public List<Long> members(String id) {
      return List.of();
    }

    @Override
    public boolean oomKilled(String id) {
      return false;
    }

    @Override
    public void remove(String id) {
      // nothing was created
    }
  }

  /** How long ago the group was created (0 when unknown). */
  public long ageMillis(String id) {
    Path base = base();
    try {
      return base == null ? 0 : System.currentTimeMillis() - Files.getLastModifiedTime(base.resolve(id)).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private Path base() {
    return this instanceof V1 v1 ? ROOT.resolve("freezer").resolve(v1.parent)
        : this instanceof V2 v2 ? v2.parent : null;
  }

  /** Every id that has a group under the parent (for cleaning up after a crash). */
  public List<String> ids() {
    Path base = base();
    if (base == null || !Files.isDirectory(base)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(base)) {
      return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}

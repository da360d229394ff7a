package io.cairn.runtime;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How workload instances and tasks are kept apart from the node (anchor: Nomad's exec driver):
 * they run as {@code runtime.user}, in a clean environment (never the node's, which may hold its
 * secrets), in a working directory of their own, inside a control group of their own where the
 * machine allows one (limits from {@code resources}, and a stop kills every process in it), in a
 * session of their own otherwise (a stop kills the process group). Blocking: worker threads only.
 *
 * <p>A process joins its group before it executes the command: a small {@code /bin/sh} step writes
 * its own pid to the group and then execs {@code setpriv} (which drops to the run user) which execs
 * a last {@code /bin/sh} step that restores the spec's environment and execs the command, so the pid
 * the node records is the command's and nothing escapes the group by forking early. Only that last
 * step and the command see the spec's variables (LD_PRELOAD included) by their names.
 */
public final class Isolation {
  private static final Logger LOG = LoggerFactory.getLogger(Isolation.class);
  public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
  private static final String JOIN = "n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ > \"$1\" || exit 126; shift; "
      + "n=$((n-1)); done; exec \"$@\"";
  /**
   * The same, then stdout and stderr into their named pipes. Each pipe is also held open for
   * reading (fds 3, 4) by the instance itself, so it never loses its last reader while the agent
   * restarts (no SIGPIPE; writes wait instead).
   */
  private static final String JOIN_WITH_PIPES = "out=$1; err=$2; n=$3; shift 3; while [ \"$n\" -gt 0 ]; do "
      + "echo $$ > \"$1\" || exit 126; shift; n=$((n-1)); done; "
      + "exec 3<>\"$out\" 4<>\"$err\" >\"$out\" 2>\"$err\"; exec \"$@\"";

  /** The account processes run as. */
  public record RunUser(String name, int uid, int gid, String home) {}

  /**
   * A launch ready for ProcessBuilder: the full argv, the launch chain's whole environment (the
   * command's own is restored by the chain's last step, see {@link LaunchEnvironment}), the directory.
   */
  public record Prepared(List<String> argv, Map<String, String> env, Path workingDir) {
    /** A builder with exactly this argv, directory and environment (nothing of the node's). */
    public ProcessBuilder processBuilder() {
      ProcessBuilder pb = new ProcessBuilder(argv).directory(workingDir.toFile());
      pb.environment().clear();
      pb.environment().putAll(env);
      return pb;
    }
  }

  private final RunUser user;
  private final boolean switchUser;
  private final Cgroups cgroups;
  private final long pidsMax;
  private final List<Path> allowedDirs;
  private final Path workRoot;
  private final String lang;

  public Isolation(RunUser user, boolean switchUser, Cgroups cgroups, long pidsMax, List<Path> allowedDirs,
      Path workRoot) {
    this.user = user;
    this.switchUser = switchUser;
    this.cgroups = cgroups;
    this.pidsMax = pidsMax;
    this.allowedDirs = List.copyOf(allowedDirs);
    this.workRoot = workRoot;
    this.lang = System.getenv().getOrDefault("LANG", "C.UTF-8");
  }

  /**
   * {@code configured}: a user name, or empty for the default: {@code nobody} when the node runs as
   * root, else the node's own user (only root can switch users). Fails naming the problem.
   */
  public static Isolation create(String configured, List<Path> allowedDirs, long pidsMax, Path workRoot) {
    boolean root = "0".equals(idOf("-u", null));
    String self = System.getProperty("user.name");
    String name = configured.isBlank() ? (root ? "nobody" : self) : configured.trim();
    RunUser user = lookup(name);
    if (!root && !name.equals(self)) {
      throw new IllegalArgumentException("runtime.user: '" + name + "' needs the node to run as root (it runs as "
          + self + ")");
    }
    Cgroups cgroups = root ? Cgroups.detect("cairn") : new Cgroups.None();
    // groups whose processes all ended while no agent ran (killed, crashed) are removed here; a
    // fresh empty one may be a launch in progress (another node on this host) and stays
    cgroups.ids().stream().filter(id -> cgroups.members(id).isEmpty() && cgroups.ageMillis(id) > 60_000)
        .forEach(cgroups::remove);
    boolean switchUser = root && user.uid() != 0;
    LOG.info("isolation: run user {} (uid {}), cgroups {}", user.name(), user.uid(), cgroups.mode());
    return new Isolation(user, switchUser, cgroups, pidsMax, allowedDirs, workRoot);
  }

  private static RunUser lookup(String name) {
    try {
      Process p = new ProcessBuilder("getent", "passwd", name).redirectErrorStream(true).start();
      String line = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor() != 0 || line.isEmpty()) {
        throw new IllegalArgumentException("runtime.user: no such user '" + name + "'");
      }
      String[] f = line.split(":", -1);
      return new RunUser(f[0], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[5]);
    } catch (IOException e) {
      throw new IllegalArgumentException("runtime.user: cannot look up '" + name + "': " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalArgumentException("runtime.user: interrupted");
    }
  }

  private static String idOf(String flag, String name) {
    try {
      List<String> cmd = new ArrayList<>(List.of("id", flag));
      if (name != null) {
        cmd.add(name);
      }
      Process p = new ProcessBuilder(cmd).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Whether processes run as a user other than the node's (then their directories are chowned). */
  public boolean switchesUser() {
    return switchUser;
  }

  public Cgroups cgroups() {
    return cgroups;
  }

  /** Why a requested working directory is not allowed, or null. */
  public String workingDirProblem(String dir) {
    return io.cairn.model.ExecLimits.allowedDirProblem(dir, allowedDirs);
  }

  public List<Path> allowedDirs() {
    return allowedDirs;
  }

  /**
   * Prepares one launch: working directory (its own under the work root unless the spec names an
   * allowed one), a clean environment, the resolved executable, and the group the process joins.
   */
  public Prepared prepare(String id, List<String> command, Map<String, String> specEnv, Map<String, String> markers,
      String workingDir, long memoryBytes, long cpuMillis) {
    return prepare(id, command, specEnv, markers, workingDir, memoryBytes, cpuMillis, null);
  }

  /** {@code pipes}: {stdout, stderr} named pipes the process writes to, or null to keep the caller's redirects. */
  public Prepared prepare(String id, List<String> command, Map<String, String> specEnv, Map<String, String> markers,
      String workingDir, long memoryBytes, long cpuMillis, Path[] pipes) {
    Path dir = workingDir == null ? ownDirectory(id) : Path.of(workingDir);
    if (workingDir != null) {
      String problem = workingDirProblem(workingDir);
      if (problem != null) {
        throw ProcessDriver.execFailed("working directory " + workingDir + " " + problem);
      }
      if (!Files.isDirectory(dir)) {
        throw ProcessDriver.execFailed("working directory " + dir + " does not exist");
      }
    }
    Map<String, String> base = new LinkedHashMap<>();
    base.put("PATH", DEFAULT_PATH);
    base.put("LANG", lang);
    base.put("HOME", user.home());
    base.put("USER", user.name());
    Path executable = ProcessDriver.resolveExecutable(command.get(0),
        LaunchEnvironment.command(base, specEnv, markers).get("PATH"), dir);

    List<String> argv = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      argv.add(SETSID.toString()); // its own session and process group: a stop can signal the group
    }
    List<Path> join;
    try {
      join = cgroups.create(id, new Cgroups.Limits(memoryBytes, cpuMillis, pidsMax));
    } catch (IOException e) {
      throw new CairnException(ErrorCode.INTERNAL, "cannot create the control group for " + id + ": " + e.getMessage());
    }
    if (pipes != null) {
      argv.addAll(List.of("/bin/sh", "-c", JOIN_WITH_PIPES, "cairn-join", pipes[0].toString(), pipes[1].toString(),
          Integer.toString(join.size())));
      join.forEach(p -> argv.add(p.toString()));
    } else if (!join.isEmpty()) {
      argv.addAll(List.of("/bin/sh", "-c", JOIN, "cairn-join", Integer.toString(join.size())));
      join.forEach(p -> argv.add(p.toString()));
    }
    if (switchUser) {
      argv.addAll(List.of(SETPRIV.toString(), "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups",
          "--"));
    }
    argv.addAll(LaunchEnvironment.restoreStep(specEnv));
    argv.add(executable.toString());
    argv.addAll(command.subList(1, command.size()));
    return new Prepared(argv, LaunchEnvironment.chain(base, specEnv, markers), dir);
  }

  private Path ownDirectory(String id) {
    Path dir = workRoot.resolve(id);
    try {
      Files.createDirectories(dir);
      if (switchUser) {
        Files.setAttribute(dir, "unix:uid", user.uid());
        Files.setAttribute(dir, "unix:gid", user.gid());
      }
      Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      return dir;
    } catch (IOException | UnsupportedOperationException e) {
      throw ProcessDriver.execFailed("cannot prepare working directory " + dir + ": " + e.getMessage());
    }
  }

  /**
   * Signals everything the launch started: SIGTERM to the process tree and to every member of its
   * control group (or, without cgroups, its process group); SIGKILL also freezes and kills the
   * whole control group, so no descendant survives however it detached (a new session, a
   * re-parent to init).
   */
  public boolean stop(String id, ProcessHandle main, boolean force) {
    boolean any = main != null && ProcessDriver.signalTree(main, force);
    if (grouped()) {
      cgroups.members(id).forEach(pid -> ProcessHandle.of(pid).ifPresent(h -> {
        if (force) {
          h.destroyForcibly();
        } else {
          h.destroy();
        }
      }));
      if (force) {
        cgroups.killAll(id);
      }
    } else if (main != null) {
      signalGroup(main.pid(), force);
    }
    return any;
  }

  /** After the main process ended: kill what it left behind, remove the group; true if the OOM killer acted. */
  public boolean cleanUp(String id, long pid) {
    if (!grouped()) {
      signalGroup(pid, true);
      return false;
    }
    boolean oom = cgroups.oomKilled(id);
    cgroups.remove(id); // kills leftovers first
    return oom;
  }

  private boolean grouped() {
    return !cgroups.mode().equals("none");
  }

  /** Removes the working directory {@link #prepare} made for {@code id} (a finished task's scratch space). */
  public void removeOwnDirectory(String id) {
    Path dir = workRoot.resolve(id);
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      // deepest first; links are removed, never followed
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      LOG.warn("could not remove {}: {}", dir, e.getMessage());
    }
  }

  private static void signalGroup(long pgid, boolean force) {
    try {
      new ProcessBuilder("kill", force ? "-KILL" : "-TERM", "--", "-" + pgid)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    } catch (IOException e) {
      LOG.debug("kill of group {} failed: {}", pgid, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** What /api/v1/node says about isolation. */
  public Map<String, Object> describe() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("user", user.name());
    d.put("uid", user.uid());
    d.put("cgroups", cgroups.mode());
    d.put("controllers", cgroups.controllers());
    d.put("stopKills", cgroups.mode().equals("none") ? "process group" : "control group");
    d.put("allowedDirs", allowedDirs.stream().map(Path::toString).toList());
    return d;
  }
}

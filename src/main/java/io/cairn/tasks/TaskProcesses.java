package io.cairn.tasks;

import io.cairn.runtime.ProcessDriver;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;

/**
 * Starts task processes with piped stdout/stderr and reads the pipes on their own threads (a read
 * blocks; it must never be an event loop or a shared worker). Task processes carry
 * {@code CAIRN_TASK_ID}/{@code CAIRN_TASK_NODE}, not the workload markers, so the workload garbage
 * collector leaves them alone, and a restarted node can find the ones a crashed agent left behind.
 */
final class TaskProcesses {
  static final String ENV_TASK_ID = "CAIRN_TASK_ID";
  static final String ENV_TASK_NODE = "CAIRN_TASK_NODE";
  private static final int READ_BUFFER = 64 * 1024;

  private final String nodeId;
  private final Path defaultDir;
  private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "cairn-task-output");
    t.setDaemon(true);
    return t;
  });

  TaskProcesses(String nodeId, Path defaultDir) {
    this.nodeId = nodeId;
    this.defaultDir = defaultDir;
  }

  /** A started process and the completion of each of its pipes (true at end of stream). */
  record Running(Process process, long pid, CompletableFuture<Void> stdoutDone, CompletableFuture<Void> stderrDone) {}

  /**
   * Blocking: starts the process (EXEC_FAILED when it cannot) and its two readers, which take
   * credit from {@code output.credit} before handing each read to {@code sink} (stream, bytes) through
   * {@code deliver}. Each pipe's completion goes through {@code deliver} too, after its last bytes: with
   * deliver = the task component's event loop, "pipe done" can never overtake output.
   */
  Running start(String taskId, TaskSpec spec, TaskOutput output, java.util.concurrent.Executor deliver,
      BiConsumer<String, byte[]> sink) {
    Path dir = spec.workingDir() == null ? defaultDir : Path.of(spec.workingDir());
    if (spec.workingDir() == null) {
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw ProcessDriver.execFailed("cannot create working directory " + dir + ": " + e.getMessage());
      }
    } else if (!Files.isDirectory(dir)) {
      throw ProcessDriver.execFailed("working directory " + dir + " does not exist");
    }
    String path = spec.env().getOrDefault("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    Path executable = ProcessDriver.resolveExecutable(spec.command().get(0), path, dir);
    List<String> argv = new ArrayList<>();
    argv.add(executable.toString());
    argv.addAll(spec.command().subList(1, spec.command().size()));
    ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("CAIRN_"));
    env.putAll(spec.env());
    env.put(ENV_TASK_ID, taskId);
    env.put(ENV_TASK_NODE, nodeId);
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw ProcessDriver.execFailed(spec.command().get(0) + ": " + e.getMessage());
    }
    CompletableFuture<Void> out = pump(process.getInputStream(), "stdout", output, deliver, sink);
    CompletableFuture<Void> err = pump(process.getErrorStream(), "stderr", output, deliver, sink);
    return new Running(process, process.pid(), out, err);
  }

  private CompletableFuture<Void> pump(InputStream in, String stream, TaskOutput output,
      java.util.concurrent.Executor deliver, BiConsumer<String, byte[]> sink) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    readers.execute(() -> {
      byte[] buffer = new byte[READ_BUFFER];
      try (in) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          output.credit.acquireUninterruptibly(n);
          byte[] bytes = java.util.Arrays.copyOf(buffer, n);
          deliver.execute(() -> sink.accept(stream, bytes));
        }
      } catch (IOException e) {
        // the pipe closed under us (process killed, stream abandoned): the output simply ends
      } finally {
        deliver.execute(() -> done.complete(null));
      }
    });
    return done;
  }

  /** Blocking: kills task processes a previous agent of this node left behind; returns their task ids. */
  List<String> killLeftovers() {
    List<String> found = new ArrayList<>();
    ProcessHandle.allProcesses().forEach(h -> {
      if (nodeId.equals(ProcessDriver.marker(h.pid(), ENV_TASK_NODE))) {
        String id = ProcessDriver.marker(h.pid(), ENV_TASK_ID);
        ProcessDriver.signalTree(h, true);
        if (id != null) {
          found.add(id);
        }
      }
    });
    return found;
  }

  void close() {
    readers.shutdownNow();
  }
}

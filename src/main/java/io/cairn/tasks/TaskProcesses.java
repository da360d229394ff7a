package io.cairn.tasks;

import io.cairn.runtime.Isolation;
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
  private final Isolation isolation;
  private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "cairn-task-output");
    t.setDaemon(true);
    return t;
  });

  TaskProcesses(String nodeId, Isolation isolation) {
    this.nodeId = nodeId;
    this.isolation = isolation;
  }

  /** A task's control group and own directory are named after it. */
  static String groupId(String taskId) {
    return "task-" + taskId;
  }

  /** Blocking: SIGTERM (or SIGKILL, with every process of its group) to a task. */
  void stop(String taskId, ProcessHandle handle, boolean force) {
    isolation.stop(groupId(taskId), handle, force);
  }

  /** Blocking: after the task's process ended, kills what it left and removes its group; true if OOM-killed. */
  boolean cleanUp(String taskId, long pid) {
    boolean oom = isolation.cleanUp(groupId(taskId), pid);
    isolation.removeOwnDirectory(groupId(taskId));
    return oom;
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
    Isolation.Prepared prepared = isolation.prepare(groupId(taskId), spec.command(), spec.env(),
        Map.of(ENV_TASK_ID, taskId, ENV_TASK_NODE, nodeId), spec.workingDir(), spec.memoryBytes(), spec.cpuMillis());
    ProcessBuilder pb = prepared.processBuilder().redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
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
          isolation.stop(groupId(id), h, true);
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

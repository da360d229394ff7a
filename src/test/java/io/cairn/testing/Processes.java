package io.cairn.testing;

import io.cairn.runtime.ProcessDriver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Looks at real OS processes from tests. */
public final class Processes {
  private Processes() {}

  public static boolean running(long pid) {
    return ProcessDriver.isRunning(pid);
  }

  /** How many live processes carry this instance id in their environment (duplicates show as > 1). */
  public static long countWithInstanceId(String instanceId) {
    return ProcessHandle.allProcesses()
        .filter(h -> ProcessDriver.isRunning(h.pid()))
        .filter(h -> instanceId.equals(envVar(h.pid(), ProcessDriver.ENV_INSTANCE_ID)))
        .count();
  }

  static String envVar(long pid, String name) {
    try {
      String env = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
      for (String kv : env.split("\0")) {
        if (kv.startsWith(name + "=")) {
          return kv.substring(name.length() + 1);
        }
      }
    } catch (IOException e) {
      // gone or unreadable
    }
    return null;
  }

  public static void kill(long pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }
}

package io.cairn.model;

/**
 * Bounds on what a request may hand to exec, the environment or the file system. Checked before
 * anything proportional to the input is built, so a hostile body costs the node little, and so a
 * value that exec would refuse (a NUL byte) is refused at submit with its field, not at start.
 */
public final class ExecLimits {
  public static final int MAX_ARGV_ITEMS = 4096;
  /** Linux refuses a single argument or environment string longer than 128 KiB; we stay well below. */
  public static final int MAX_STRING_CHARS = 32 * 1024;
  public static final int MAX_ENV_ENTRIES = 1024;
  public static final int MAX_ENV_NAME_CHARS = 256;
  public static final int MAX_PATH_CHARS = 4096;
  public static final int MAX_LABELS = 64;

  private ExecLimits() {}

  /** Why {@code value} cannot reach exec, env or a path, or null when it can. */
  public static String problem(String value, int maxChars) {
    if (value.length() > maxChars) {
      return "must be at most " + maxChars + " characters (has " + value.length() + ")";
    }
    if (value.indexOf('\0') >= 0) {
      return "must not contain a NUL character";
    }
    return null;
  }

  /** Why an absolute path a process will start in cannot be used, or null. */
  public static String pathProblem(String path) {
    String p = problem(path, MAX_PATH_CHARS);
    if (p != null) {
      return p;
    }
    if (!path.startsWith("/")) {
      return "must be an absolute path";
    }
    for (String part : path.split("/")) {
      if (part.equals("..")) {
        return "must not contain '..'";
      }
    }
    return null;
  }

  /** Why a working directory is outside every allowed one ({@code runtime.allowedDirs}), or null. */
  public static String allowedDirProblem(String dir, java.util.List<java.nio.file.Path> allowed) {
    java.nio.file.Path p = java.nio.file.Path.of(dir).normalize();
    return allowed.stream().anyMatch(p::startsWith) ? null
        : "must be under one of " + allowed + " (runtime.allowedDirs)";
  }

  /** Why a list of {@code size} items is too long, or null. */
  public static String countProblem(int size, int max) {
    return size > max ? "must have at most " + max + " items (has " + size + ")" : null;
  }
}

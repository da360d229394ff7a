package io.cairn.cli;

import java.io.PrintStream;

/**
 * A one-line transfer progress bar on stderr ({@code label [#####-----] 12.0/50.0 MiB 85.3 MiB/s ETA 1s}),
 * redrawn at most ten times a second, only when the user is watching a terminal.
 */
class Progress {
  /** Makes the bar once the total is known (a GET learns it from the reply). */
  interface Factory {
    Progress start(long totalBytes);
  }

  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int BAR = 24;
  private static final Progress NONE = new Progress(null, "", -1);
  private final PrintStream err;
  private final String label;
  private final long total;
  private final long started = System.nanoTime();
  private long done;
  private long lastDraw;
  private int lastWidth;

  private Progress(PrintStream err, String label, long total) {
    this.err = err;
    this.label = label;
    this.total = total;
  }

  static Factory none() {
    return total -> NONE;
  }

  static Factory to(PrintStream err, String label) {
    return total -> new Progress(err, label, total);
  }

  /**
   * Whether a bar helps: asked for explicitly, or stderr is an interactive terminal. Java 22+ says
   * so with Console.isTerminal(); on 21 a console exists only for a terminal.
   */
  static boolean wanted(Boolean flag) {
    if (flag != null) {
      return flag;
    }
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  void advance(long bytes) {
    done += bytes;
    long now = System.nanoTime();
    if (err != null && now - lastDraw >= REDRAW_NANOS) {
      lastDraw = now;
      err.print("\r" + padded(line(now)));
      err.flush();
    }
  }

  void done() {
    if (err != null) {
      err.println("\r" + padded(line(System.nanoTime())));
    }
  }

  /** Blanks what a longer previous line left behind. */
  private String padded(String line) {
    String out = line.length() < lastWidth ? line + " ".repeat(lastWidth - line.length()) : line;
    lastWidth = line.length();
    return out;
  }

  String line(long now) {
    double seconds = Math.max(1e-3, (now - started) / 1e9);
    double rate = done / seconds;
    StringBuilder s = new StringBuilder(label).append(' ');
    if (total > 0) {
      int filled = (int) Math.min(BAR, BAR * done / total);
      s.append('[').append("#".repeat(filled)).append("-".repeat(BAR - filled)).append("] ")
          .append(mib(done)).append('/').append(mib(total)).append(" MiB");
    } else {
      s.append(mib(done)).append(" MiB");
    }
    s.append("  ").append(mib((long) rate)).append(" MiB/s");
    if (total > 0) {
      long eta = rate > 0 ? (long) Math.ceil((total - done) / rate) : -1;
      s.append("  ETA ").append(eta < 0 ? "?" : Output.seconds(eta));
    }
    return s.toString();
  }

  private static String mib(long bytes) {
    return String.format("%.1f", bytes / (double) (1 << 20));
  }
}

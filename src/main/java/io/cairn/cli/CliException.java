package io.cairn.cli;

import java.util.List;

/** A CLI failure with its exit code: the one place exit codes are decided (see {@link Cli}). */
final class CliException extends RuntimeException {
  static final int SERVER_REFUSED = 1;
  static final int USAGE = 2;
  static final int UNREACHABLE = 3;

  private final int exitCode;
  private final List<String> lines;

  CliException(int exitCode, List<String> lines) {
    super(String.join("\n", lines), null, false, false);
    this.exitCode = exitCode;
    this.lines = List.copyOf(lines);
  }

  static CliException usage(String message) {
    return new CliException(USAGE, List.of("Error: " + message));
  }

  /** A local operation that failed (a file that cannot be read or written): exit code 1. */
  static CliException failed(String message) {
    return new CliException(SERVER_REFUSED, List.of("Error: " + message));
  }

  int exitCode() {
    return exitCode;
  }

  List<String> lines() {
    return lines;
  }
}

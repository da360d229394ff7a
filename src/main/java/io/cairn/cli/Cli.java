package io.cairn.cli;

import io.cairn.model.Durations;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs a client command and decides its exit code: 0 ok, 1 the server refused, 2 usage error,
 * 3 the node cannot be reached. Streams are swappable so tests can run commands in-process.
 */
public final class Cli {
  private static PrintStream out = System.out;
  private static PrintStream err = System.err;
  private static InputStream in = System.in;

  private Cli() {}

  static PrintStream out() {
    return out;
  }

  static PrintStream err() {
    return err;
  }

  static InputStream in() {
    return in;
  }

  /** Configures a parsed command line for client use: exit codes and error printing. */
  public static CommandLine configure(CommandLine cmd) {
    return cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (ex instanceof CliException ce) {
        ce.lines().forEach(err::println);
        return ce.exitCode();
      }
      err.println("Error: " + ex);
      return CliException.SERVER_REFUSED;
    }).setExitCodeExceptionMapper(ex -> ex instanceof CliException ce ? ce.exitCode() : CliException.USAGE)
        .setOut(new java.io.PrintWriter(out, true)).setErr(new java.io.PrintWriter(err, true));
  }

  /** In-process run for tests: the given streams and environment instead of the process's own. */
  public static synchronized int run(CommandLine cmd, String[] args, Map<String, String> env, InputStream stdin,
      PrintStream stdout, PrintStream stderr) {
    PrintStream oldOut = out;
    PrintStream oldErr = err;
    InputStream oldIn = in;
    Map<String, String> oldEnv = ClientOptions.env;
    out = stdout;
    err = stderr;
    in = stdin;
    ClientOptions.env = env;
    try {
      return configure(cmd).execute(args);
    } finally {
      out = oldOut;
      err = oldErr;
      in = oldIn;
      ClientOptions.env = oldEnv;
    }
  }

  static Duration duration(String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
  }
}

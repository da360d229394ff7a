package io.cairn.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The environment of one launch. The steps before the drop to the run user (setsid, the group join,
 * setpriv) run as root, and the dynamic loader and libc honour LD_PRELOAD, LD_LIBRARY_PATH,
 * GCONV_PATH, ... in any process that is not setuid: a spec's variables under their own names would
 * run an operator's library as root. So those steps get a fixed base and Cairn's markers, and the
 * spec's variables only under escaped names ({@code CAIRN_SPEC_ENV_<name>}, which nothing reads);
 * the last step, already the run user, gives them back their names and execs the command. Values
 * travel only in the environment, never on a command line (/proc/PID/cmdline is world-readable);
 * names, which are no secret, do.
 */
final class LaunchEnvironment {
  /** No spec name starts with {@code CAIRN_}, so no escaped name collides with a spec's or a marker. */
  private static final String ESCAPED = "CAIRN_SPEC_ENV_";
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  /**
   * Arguments: how many names, the names, the command. eval only ever sees a name (an identifier,
   * checked below and at submit); a value is reached only through ${...}, so no value is parsed as
   * shell. The counter starts with CAIRN_ so that no spec variable can be it. The names go on the
   * command line rather than in one variable: a single environment string is limited to 128 KiB.
   */
  /**
   * bin/cairn runs the agent under umask 077 (so what libraries write in the data dir is private)
   * and hands the umask it was started with here: runs get that one back, as before.
   */
  private static final String RUN_UMASK = runUmask(System.getenv("CAIRN_RUN_UMASK"));

  static String runUmask(String given) {
    return given != null && given.matches("[0-7]{3,4}") ? "umask " + given + "; " : "";
  }

  private static final String RESTORE = "CAIRN_N=$1; shift; while [ \"$CAIRN_N\" -gt 0 ]; do "
      + "eval \"export $1=\\\"\\${" + ESCAPED + "$1}\\\"; unset " + ESCAPED + "$1\"; shift; "
      + "CAIRN_N=$((CAIRN_N-1)); done; unset CAIRN_N; exec \"$@\"";

  private LaunchEnvironment() {}

  /** The variables of the command: the spec's (without CAIRN_ names) over {@code base}, then the markers. */
  static Map<String, String> command(Map<String, String> base, Map<String, String> spec, Map<String, String> markers) {
    Map<String, String> env = new LinkedHashMap<>(base);
    env.putAll(userVariables(spec));
    env.putAll(markers);
    return env;
  }

  /** The variables of the root steps: {@code base}, the markers, the spec's under escaped names. */
  static Map<String, String> chain(Map<String, String> base, Map<String, String> spec, Map<String, String> markers) {
    Map<String, String> env = new LinkedHashMap<>(base);
    env.putAll(markers);
    userVariables(spec).forEach((name, value) -> env.put(ESCAPED + name, value));
    return env;
  }

  /**
   * The last step before the command: as the run user, gives the spec's variables back their names
   * and execs what follows it on the command line.
   */
  static List<String> restoreStep(Map<String, String> spec) {
    Set<String> names = userVariables(spec).keySet();
    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", RUN_UMASK + RESTORE, "cairn-env",
        Integer.toString(names.size())));
    argv.addAll(names);
    return argv;
  }

  private static Map<String, String> userVariables(Map<String, String> spec) {
    Map<String, String> user = new LinkedHashMap<>();
    spec.forEach((name, value) -> {
      if (!NAME.matcher(name).matches()) {
        throw ProcessDriver.execFailed("env: '" + name + "' is not a variable name"); // validated at submit
      }
      if (!name.startsWith("CAIRN_")) {
        user.put(name, value);
      }
    });
    return user;
  }
}

package io.cairn.model;

import java.util.regex.Pattern;

/**
 * The one rule for labels, a workload's ({@code metadata.labels}) and a node's ({@code node.labels})
 * alike: at most 64; a key is up to 63 letters, digits, '-', '_' or '.' (starting and ending with a
 * letter or digit), optionally after a DNS-subdomain prefix and '/'; a value is up to 63 characters.
 * Bounded because a label is copied into every record that carries it (a node's into each node record
 * the Raft log replicates).
 */
public final class Labels {
  public static final int MAX_COUNT = ExecLimits.MAX_LABELS;
  public static final int MAX_NAME_CHARS = 63;
  public static final int MAX_PREFIX_CHARS = 253;
  public static final int MAX_VALUE_CHARS = 63;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final Pattern PREFIX = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

  private Labels() {}

  /** Why {@code key} is not a label key, or null. */
  public static String keyProblem(String key) {
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (name.isEmpty() || name.length() > MAX_NAME_CHARS || !NAME.matcher(name).matches()) {
      return "label keys are at most 63 letters, digits, '-', '_' or '.', optionally after a DNS prefix and '/'";
    }
    if (prefix != null && (prefix.length() > MAX_PREFIX_CHARS || !PREFIX.matcher(prefix).matches())) {
      return "label key prefix must be a DNS subdomain";
    }
    return null;
  }

  /** Why {@code value} is not a label value, or null. */
  public static String valueProblem(String value) {
    if (value.length() > MAX_VALUE_CHARS) {
      return "label values are at most " + MAX_VALUE_CHARS + " characters (has " + value.length() + ")";
    }
    return ExecLimits.problem(value, MAX_VALUE_CHARS);
  }

  /** Why {@code count} labels are too many, or null. */
  public static String countProblem(int count) {
    return count > MAX_COUNT ? "must have at most " + MAX_COUNT + " entries (has " + count + ")" : null;
  }

  /** The start of a label key or pair for an error message: a refused one may be 100 KB long. */
  public static String clip(String text) {
    return text.length() <= MAX_NAME_CHARS + 1 ? text : text.substring(0, MAX_NAME_CHARS) + "...";
  }
}

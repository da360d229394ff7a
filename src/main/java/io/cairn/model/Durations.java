package io.cairn.model;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations ("500ms", "10s", "1m30s", "2h", "1d") used by manifests and config. */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d{1,40})(ms|s|m|h|d)");
  private static final Duration MAX = Duration.ofDays(3650);

  private Durations() {}

  /** Parses a duration or throws IllegalArgumentException with a message fit for a client. */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("must be a duration such as 500ms, 10s, 1m30s or 2h");
    }
    Matcher m = PART.matcher(text.trim());
    int pos = 0;
    Duration total = Duration.ZERO;
    String trimmed = text.trim();
    while (pos < trimmed.length()) {
      if (!m.find(pos) || m.start() != pos) {
        throw new IllegalArgumentException(
            "'" + text + "' is not a duration (use e.g. 500ms, 10s, 1m30s, 2h)");
      }
      // a number too large for any unit is over the limit, said the same way as one just past it
      if (m.group(1).length() > 12) {
        throw new IllegalArgumentException("'" + text + "' is longer than 3650d");
      }
      long n = Long.parseLong(m.group(1));
      total = total.plus(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      });
      if (total.compareTo(MAX) > 0) {
        throw new IllegalArgumentException("'" + text + "' is longer than 3650d");
      }
      pos = m.end();
    }
    return total;
  }

  /** The shortest text that parses back to the same duration. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms == 0) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    long h = ms / 3_600_000;
    ms %= 3_600_000;
    long m = ms / 60_000;
    ms %= 60_000;
    long s = ms / 1000;
    ms %= 1000;
    if (h > 0) sb.append(h).append('h');
    if (m > 0) sb.append(m).append('m');
    if (s > 0) sb.append(s).append('s');
    if (ms > 0) sb.append(ms).append("ms");
    return sb.toString();
  }
}

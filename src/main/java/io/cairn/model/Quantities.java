package io.cairn.model;

import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes-style resource quantities: cpu as cores or millicores, memory with binary/decimal suffixes. */
public final class Quantities {
  private static final Pattern CPU = Pattern.compile("(\\d{1,40}(?:\\.\\d{1,3})?)(m?)");
  private static final Pattern BYTES = Pattern.compile("(\\d{1,40}(?:\\.\\d{1,6})?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?");
  private static final Map<String, Long> MULTIPLIERS = Map.of(
      "Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30, "Ti", 1L << 40,
      "k", 1_000L, "K", 1_000L, "M", 1_000_000L, "G", 1_000_000_000L, "T", 1_000_000_000_000L);
  private static final long MAX_BYTES = 1L << 50;
  private static final long MAX_MILLICORES = 1_000_000_000L;

  private Quantities() {}

  /** "250m" -> 250, "0.5" -> 500, "2" -> 2000. */
  public static long parseMillicores(String text) {
    Matcher m = CPU.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a cpu quantity (use e.g. 250m or 0.5)");
    }
    BigDecimal value = new BigDecimal(m.group(1));
    BigDecimal millis = m.group(2).isEmpty() ? value.movePointRight(3) : value;
    if (millis.compareTo(BigDecimal.valueOf(MAX_MILLICORES)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is more cpu than any node has");
    }
    return millis.longValue();
  }

  /** "64Mi" -> 67108864, "1G" -> 1e9, "1000" -> 1000. */
  public static long parseBytes(String text) {
    Matcher m = BYTES.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a byte quantity (use e.g. 64Mi or 1G)");
    }
    BigDecimal value = new BigDecimal(m.group(1));
    long multiplier = m.group(2) == null ? 1 : MULTIPLIERS.get(m.group(2));
    BigDecimal bytes = value.multiply(BigDecimal.valueOf(multiplier));
    if (bytes.compareTo(BigDecimal.valueOf(MAX_BYTES)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is larger than 1Pi");
    }
    return bytes.longValue();
  }

  public static String formatMillicores(long millicores) {
    return millicores % 1000 == 0 ? Long.toString(millicores / 1000) : millicores + "m";
  }

  public static String formatBytes(long bytes) {
    String[] units = {"Ti", "Gi", "Mi", "Ki"};
    long[] sizes = {1L << 40, 1L << 30, 1L << 20, 1L << 10};
    for (int i = 0; i < units.length; i++) {
      if (bytes >= sizes[i] && bytes % sizes[i] == 0) {
        return bytes / sizes[i] + units[i];
      }
    }
    return Long.toString(bytes);
  }
}

package io.cairn.config;

import java.util.Locale;
import java.util.function.Function;

/**
 * One configuration setting: its dotted path, typed default, parser and a one-line description.
 * The environment variable name follows from the path by one rule (see {@link #envName()}).
 */
public record Setting<T>(String path, T defaultValue, Function<String, T> parser, Function<T, String> printer,
    String description) {

  /** {@code gc.failedTtl} -> {@code CAIRN_GC_FAILED_TTL}. */
  public String envName() {
    return "CAIRN_" + path.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  public T parse(String raw) {
    return parser.apply(raw);
  }

  public String defaultText() {
    return printer.apply(defaultValue);
  }
}

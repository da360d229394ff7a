package io.cairn.api;

import io.cairn.model.CairnException;
import io.cairn.model.FieldError;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;

/** Query parameters with types and ranges, failing with the parameter's name. */
final class Params {
  private Params() {}

  static Integer optionalInt(RoutingContext ctx, String name) {
    String raw = ctx.queryParams().get(name);
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    try {
      return Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw CairnException.invalid(List.of(new FieldError(name, "'" + raw + "' is not a whole number")));
    }
  }

  static int intInRange(RoutingContext ctx, String name, int dflt, int min, int max) {
    Integer v = optionalInt(ctx, name);
    if (v == null) {
      return dflt;
    }
    if (v < min || v > max) {
      throw CairnException.invalid(List.of(new FieldError(name, "must be between " + min + " and " + max)));
    }
    return v;
  }

  static boolean bool(RoutingContext ctx, String name) {
    String raw = ctx.queryParams().get(name);
    if (raw == null || raw.isEmpty()) {
      return false;
    }
    return switch (raw.toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw CairnException.invalid(List.of(new FieldError(name, "must be true or false")));
    };
  }
}

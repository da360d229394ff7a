package io.cairn.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.model.CairnException;
import io.cairn.model.Durations;
import io.cairn.model.ExecLimits;
import io.cairn.model.FieldError;
import io.cairn.model.Quantities;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * Turns a submit body ({@code {command, env, workingDir, timeout, resources, placement, retries}})
 * into a {@link TaskSpec}, collecting every problem with its field so a client sees them all at once.
 */
public final class TaskSpecParser {
  static final int MAX_ARGS = 1024;
  static final int MAX_RETRIES = 10;
  static final Duration MAX_TIMEOUT = Duration.ofDays(7);
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?");
  private static final Set<String> FIELDS = Set.of("command", "env", "workingDir", "timeout", "resources",
      "placement", "retries");

  private final List<FieldError> errors = new io.cairn.model.FieldErrors();
  private final List<java.nio.file.Path> allowedDirs;

  private TaskSpecParser(List<java.nio.file.Path> allowedDirs) {
    this.allowedDirs = allowedDirs;
  }

  /** {@code allowedDirs}: where a task may ask to start ({@code runtime.allowedDirs}). */
  public static TaskSpec parse(JsonNode body, List<java.nio.file.Path> allowedDirs) {
    TaskSpecParser p = new TaskSpecParser(allowedDirs);
    TaskSpec spec = p.spec(body);
    if (!p.errors.isEmpty()) {
      throw CairnException.invalid(p.errors);
    }
    return spec;
  }

  private TaskSpec spec(JsonNode body) {
    if (body == null || !body.isObject()) {
      errors.add(new FieldError("", "the body must be a JSON object with at least a command"));
      return null;
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        errors.add(new FieldError(f, "unknown field"));
      }
    }
    List<String> command = command(body.get("command"));
    Map<String, String> env = strings(body.get("env"), "env", true);
    String workingDir = null;
    JsonNode wd = body.get("workingDir");
    if (wd != null && !wd.isNull()) {
      String problem = wd.isTextual() ? ExecLimits.pathProblem(wd.asText()) : "must be an absolute path";
      if (problem == null) {
        problem = ExecLimits.allowedDirProblem(wd.asText(), allowedDirs);
      }
      if (problem != null) {
        errors.add(new FieldError("workingDir", problem));
      } else {
        workingDir = wd.asText();
      }
    }
    Duration timeout = timeout(body.get("timeout"));
    long cpu = 0;
    long memory = 0;
    JsonNode res = body.get("resources");
    if (res != null && !res.isNull()) {
      if (!res.isObject()) {
        errors.add(new FieldError("resources", "must be an object with cpu and memory"));
      } else {
        for (Iterator<String> it = res.fieldNames(); it.hasNext(); ) {
          String f = it.next();
          if (!f.equals("cpu") && !f.equals("memory")) {
            errors.add(new FieldError("resources." + f, "unknown field"));
          }
        }
        cpu = quantity(res.get("cpu"), "resources.cpu", Quantities::parseMillicores);
        memory = quantity(res.get("memory"), "resources.memory", Quantities::parseBytes);
      }
    }
    Map<String, String> placement = strings(body.get("placement"), "placement", false);
    int retries = 0;
    JsonNode r = body.get("retries");
    if (r != null && !r.isNull()) {
      if (!r.isIntegralNumber() || r.asLong() < 0 || r.asLong() > MAX_RETRIES) {
        errors.add(new FieldError("retries", "must be a whole number between 0 and " + MAX_RETRIES));
      } else {
        retries = r.asInt();
      }
    }
    return errors.isEmpty()
        ? new TaskSpec(command, env, workingDir, timeout == null ? null : timeout.toMillis(), cpu, memory, placement, retries) : null;
  }

  private List<String> command(JsonNode node) {
    List<String> argv = new ArrayList<>();
    if (node == null || node.isNull()) {
      errors.add(new FieldError("command", "is required"));
    } else if (!node.isArray() || node.isEmpty()) {
      errors.add(new FieldError("command", "must be a non-empty array of strings"));
    } else if (node.size() > MAX_ARGS) {
      errors.add(new FieldError("command", "has more than " + MAX_ARGS + " arguments"));
    } else {
      for (int i = 0; i < node.size(); i++) {
        JsonNode a = node.get(i);
        String problem = a.isTextual() ? ExecLimits.problem(a.asText(), ExecLimits.MAX_STRING_CHARS) : "must be a string";
        if (problem != null) {
          errors.add(new FieldError("command[" + i + "]", problem));
        } else {
          argv.add(a.asText());
        }
      }
      if (!argv.isEmpty() && argv.get(0).isBlank()) {
        errors.add(new FieldError("command[0]", "must name a program"));
      }
    }
    return argv;
  }

  private Map<String, String> strings(JsonNode node, String field, boolean isEnv) {
    Map<String, String> out = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isObject()) {
      errors.add(new FieldError(field, "must be an object of string values"));
      return out;
    }
    String tooMany = ExecLimits.countProblem(node.size(), isEnv ? ExecLimits.MAX_ENV_ENTRIES : ExecLimits.MAX_LABELS);
    if (tooMany != null) {
      errors.add(new FieldError(field, tooMany.replace("items", "entries")));
      return out;
    }
    node.fields().forEachRemaining(e -> {
      String path = field + "." + e.getKey();
      if (!e.getValue().isTextual()) {
        errors.add(new FieldError(path, "must be a string"));
      } else if (ExecLimits.problem(e.getValue().asText(), ExecLimits.MAX_STRING_CHARS) != null) {
        errors.add(new FieldError(path, ExecLimits.problem(e.getValue().asText(), ExecLimits.MAX_STRING_CHARS)));
      } else if (isEnv && (e.getKey().length() > ExecLimits.MAX_ENV_NAME_CHARS
          || !ENV_NAME.matcher(e.getKey()).matches() || e.getKey().startsWith("CAIRN_"))) {
        errors.add(new FieldError(path, "must be a variable name (letters, digits, '_') not starting with CAIRN_"));
      } else if (!isEnv && (!LABEL.matcher(e.getKey()).matches() || e.getKey().length() > 253)) {
        errors.add(new FieldError(path, "must be a label name"));
      } else {
        out.put(e.getKey(), e.getValue().asText());
      }
    });
    return out;
  }

  private Duration timeout(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    try {
      Duration d = node.isNumber() ? Duration.ofMillis(Math.round(node.asDouble() * 1000))
          : node.isTextual() ? Durations.parse(node.asText()) : null;
      if (d == null) {
        errors.add(new FieldError("timeout", "must be a duration like 30s or 5m, or a number of seconds"));
      } else if (d.isNegative() || d.isZero() || d.compareTo(MAX_TIMEOUT) > 0) {
        errors.add(new FieldError("timeout", "must be more than 0 and at most 7d"));
      } else {
        return d;
      }
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError("timeout", e.getMessage()));
    }
    return null;
  }

  private long quantity(JsonNode node, String path, ToLongFunction<String> parser) {
    if (node == null || node.isNull()) {
      return 0;
    }
    try {
      return parser.applyAsLong(node.asText());
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError(path, e.getMessage()));
      return 0;
    }
  }
}

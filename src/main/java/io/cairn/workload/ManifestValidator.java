package io.cairn.workload;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.model.CairnException;
import io.cairn.model.Durations;
import io.cairn.model.ExecLimits;
import io.cairn.model.FieldError;
import io.cairn.model.Labels;
import io.cairn.model.Quantities;
import io.cairn.model.RestartMode;
import io.cairn.model.WorkloadSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns a parsed manifest (JSON or YAML, as a tree) into a {@link WorkloadSpec}, collecting every
 * problem with its field path so a client sees them all at once. The one place manifests are checked.
 */
public final class ManifestValidator {
  public static final String API_VERSION = "cairn/v1";
  public static final String KIND = "Workload";
  public static final int MAX_REPLICAS = 1000;
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final long MAX_GRACE_MILLIS = 3_600_000;

  private final List<FieldError> errors = new io.cairn.model.FieldErrors();
  private final Policy policy;

  /** Node policy a manifest must also respect: restarts may not come faster than the floor. */
  public record Policy(long minRestartBackoffMs, List<java.nio.file.Path> allowedDirs) {}

  private ManifestValidator(Policy policy) {
    this.policy = policy;
  }

  public static WorkloadSpec validate(String pathName, JsonNode root, Policy policy) {
    ManifestValidator v = new ManifestValidator(policy);
    WorkloadSpec spec = v.workload(pathName, root);
    if (!v.errors.isEmpty()) {
      throw CairnException.invalid(v.errors);
    }
    return spec;
  }

  /** Checks a workload name as given in a URL path. */
  public static void checkName(String name) {
    List<FieldError> errs = new ArrayList<>();
    nameProblem(name).ifPresent(p -> errs.add(new FieldError("metadata.name", p)));
    if (!errs.isEmpty()) {
      throw CairnException.invalid(errs);
    }
  }

  public static void checkReplicas(long replicas) {
    if (replicas < 0 || replicas > MAX_REPLICAS) {
      throw CairnException.invalid(List.of(new FieldError("replicas", "must be between 0 and " + MAX_REPLICAS)));
    }
  }

  private static java.util.Optional<String> nameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return java.util.Optional.of("is required");
    }
    if (name.length() > 63) {
      return java.util.Optional.of("must be at most 63 characters");
    }
    if (!DNS_LABEL.matcher(name).matches()) {
      return java.util.Optional.of("'" + name + "' must be a DNS-1123 label: lower-case letters, digits and '-', "
          + "starting and ending with a letter or digit");
    }
    return java.util.Optional.empty();
  }

  private WorkloadSpec workload(String pathName, JsonNode root) {
    if (root == null || !root.isObject()) {
      errors.add(new FieldError("", "manifest must be an object with apiVersion, kind, metadata and spec"));
      return null;
    }
    allowOnly(root, "", Set.of("apiVersion", "kind", "metadata", "spec", "status"));
    constant(root, "apiVersion", API_VERSION);
    constant(root, "kind", KIND);
    JsonNode metadata = root.get("metadata");
    Map<String, String> labels = Map.of();
    if (metadata != null && !metadata.isNull()) {
      if (!metadata.isObject()) {
        errors.add(new FieldError("metadata", "must be an object"));
      } else {
        allowOnly(metadata, "metadata", Set.of("name", "labels", "resourceVersion"));
        JsonNode version = metadata.get("resourceVersion");
        if (version != null && !version.isNull() && resourceVersion(version.asText()) == null) {
          errors.add(new FieldError("metadata.resourceVersion", "must be a resource version as read from the server (digits)"));
        }
        JsonNode name = metadata.get("name");
        if (name != null && !name.isNull()) {
          String given = text(name, "metadata.name");
          if (given != null && !given.equals(pathName)) {
            errors.add(new FieldError("metadata.name", "'" + given + "' does not match the name in the path '"
                + pathName + "'"));
          }
        }
        labels = labels(metadata.get("labels"));
      }
    }
    nameProblem(pathName).ifPresent(p -> errors.add(new FieldError("metadata.name", p)));
    JsonNode spec = root.get("spec");
    if (spec == null || !spec.isObject()) {
      errors.add(new FieldError("spec", spec == null ? "is required" : "must be an object"));
      return null;
    }
    return spec(pathName, labels, spec);
  }

  private WorkloadSpec spec(String name, Map<String, String> labels, JsonNode spec) {
    allowOnly(spec, "spec", Set.of("replicas", "driver", "command", "args", "env", "workingDir", "resources",
        "restartPolicy", "stopGracePeriod", "placement"));
    int replicas = (int) integer(spec.get("replicas"), "spec.replicas", 0, MAX_REPLICAS, 1);
    String driver = spec.has("driver") ? text(spec.get("driver"), "spec.driver") : "process";
    if (driver != null && !driver.equals("process")) {
      errors.add(new FieldError("spec.driver", "'" + driver + "' is not supported; this node runs: process"));
    }
    List<String> command = strings(spec.get("command"), "spec.command");
    if (spec.get("command") == null) {
      errors.add(new FieldError("spec.command", "is required (argv form, e.g. [\"sleep\", \"60\"])"));
    } else if (command != null && command.isEmpty()) {
      errors.add(new FieldError("spec.command", "must not be empty"));
    } else if (command != null && command.get(0).isBlank()) {
      errors.add(new FieldError("spec.command[0]", "must name a program"));
    }
    List<String> args = spec.has("args") ? strings(spec.get("args"), "spec.args") : List.of();
    Map<String, String> env = stringMap(spec.get("env"), "spec.env", ExecLimits.MAX_ENV_ENTRIES,
        key -> key.length() <= ExecLimits.MAX_ENV_NAME_CHARS && ENV_NAME.matcher(key).matches()
            ? null : "must be a variable name (letters, digits, '_', not starting with a digit)",
        value -> ExecLimits.problem(value, ExecLimits.MAX_STRING_CHARS));
    String workingDir = spec.has("workingDir") ? text(spec.get("workingDir"), "spec.workingDir") : null;
    if (workingDir != null && ExecLimits.pathProblem(workingDir) != null) {
      errors.add(new FieldError("spec.workingDir", ExecLimits.pathProblem(workingDir)));
    } else if (workingDir != null && ExecLimits.allowedDirProblem(workingDir, policy.allowedDirs()) != null) {
      errors.add(new FieldError("spec.workingDir", ExecLimits.allowedDirProblem(workingDir, policy.allowedDirs())));
    }
    WorkloadSpec.Resources resources = resources(spec.get("resources"));
    WorkloadSpec.RestartPolicy restart = restartPolicy(spec.get("restartPolicy"));
    long grace = duration(spec.get("stopGracePeriod"), "spec.stopGracePeriod", 10_000, MAX_GRACE_MILLIS);
    WorkloadSpec.Placement placement = placement(spec.get("placement"));
    if (!errors.isEmpty()) {
      return null;
    }
    return new WorkloadSpec(name, labels, replicas, driver, command, args, env, workingDir, resources, restart, grace,
        placement);
  }

  private WorkloadSpec.Placement placement(JsonNode node) {
    if (node == null || node.isNull()) {
      return WorkloadSpec.Placement.ANYWHERE;
    }
    if (!node.isObject()) {
      errors.add(new FieldError("spec.placement", "must be an object, e.g. {\"node\": \"node-1a2b3c\"}"));
      return null;
    }
    allowOnly(node, "spec.placement", Set.of("node"));
    String pinned = node.has("node") ? text(node.get("node"), "spec.placement.node") : null;
    if (pinned != null && !pinned.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")) {
      errors.add(new FieldError("spec.placement.node", "must be a node id (lower-case letters, digits, '-')"));
    }
    return new WorkloadSpec.Placement(pinned);
  }

  private WorkloadSpec.Resources resources(JsonNode node) {
    if (node == null || node.isNull()) {
      return WorkloadSpec.Resources.NONE;
    }
    if (!node.isObject()) {
      errors.add(new FieldError("spec.resources", "must be an object with cpu and memory"));
      return null;
    }
    allowOnly(node, "spec.resources", Set.of("cpu", "memory"));
    long cpu = quantity(node.get("cpu"), "spec.resources.cpu", Quantities::parseMillicores);
    long memory = quantity(node.get("memory"), "spec.resources.memory", Quantities::parseBytes);
    return new WorkloadSpec.Resources(cpu, memory);
  }

  private WorkloadSpec.RestartPolicy restartPolicy(JsonNode node) {
    WorkloadSpec.RestartPolicy d = WorkloadSpec.RestartPolicy.DEFAULT;
    if (node == null || node.isNull()) {
      return d;
    }
    if (!node.isObject()) {
      errors.add(new FieldError("spec.restartPolicy", "must be an object"));
      return null;
    }
    allowOnly(node, "spec.restartPolicy", Set.of("mode", "maxRestarts", "backoff"));
    RestartMode mode = d.mode();
    if (node.has("mode")) {
      String m = text(node.get("mode"), "spec.restartPolicy.mode");
      try {
        mode = m == null ? null : RestartMode.valueOf(m);
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("spec.restartPolicy.mode", "'" + m + "' is not one of Always, OnFailure, Never"));
      }
    }
    int max = (int) integer(node.get("maxRestarts"), "spec.restartPolicy.maxRestarts", 0, 1_000_000, d.maxRestarts());
    long initial = d.backoffInitialMs();
    long maxBackoff = d.backoffMaxMs();
    JsonNode backoff = node.get("backoff");
    if (backoff != null && !backoff.isNull()) {
      if (!backoff.isObject()) {
        errors.add(new FieldError("spec.restartPolicy.backoff", "must be an object with initial and max"));
      } else {
        allowOnly(backoff, "spec.restartPolicy.backoff", Set.of("initial", "max"));
        initial = duration(backoff.get("initial"), "spec.restartPolicy.backoff.initial", initial, 3_600_000);
        maxBackoff = duration(backoff.get("max"), "spec.restartPolicy.backoff.max", Math.max(initial, maxBackoff),
            86_400_000);
        floor(backoff.get("initial"), initial, "spec.restartPolicy.backoff.initial");
        floor(backoff.get("max"), maxBackoff, "spec.restartPolicy.backoff.max");
        if (maxBackoff < initial) {
          errors.add(new FieldError("spec.restartPolicy.backoff.max", "must not be less than backoff.initial"));
        }
      }
    }
    return new WorkloadSpec.RestartPolicy(mode, max, initial, maxBackoff);
  }

  /** A crash-looping workload must not cost the node a core: restarts come no faster than the floor. */
  private void floor(JsonNode given, long millis, String path) {
    if (given != null && !given.isNull() && millis < policy.minRestartBackoffMs()) {
      errors.add(new FieldError(path, "must be at least "
          + Durations.format(java.time.Duration.ofMillis(policy.minRestartBackoffMs()))
          + " (this node's reconcile.minRestartBackoff)"));
    }
  }

  /** A resource version as the server renders it (decimal digits, at most 18), or null. */
  public static Long resourceVersion(String text) {
    if (text == null) {
      return null;
    }
    String t = text.trim();
    if (t.startsWith("W/")) {
      t = t.substring(2);
    }
    if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
      t = t.substring(1, t.length() - 1); // an entity tag, as If-Match sends one
    }
    return t.matches("[0-9]{1,18}") ? Long.parseLong(t) : null;
  }

  private void allowOnly(JsonNode object, String path, Set<String> allowed) {
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        errors.add(new FieldError(join(path, field), "unknown field"));
      }
    }
  }

  private void constant(JsonNode root, String field, String expected) {
    JsonNode node = root.get(field);
    if (node != null && !node.isNull() && !(node.isTextual() && node.asText().equals(expected))) {
      errors.add(new FieldError(field, "must be '" + expected + "'"));
    }
  }

  private String text(JsonNode node, String path) {
    if (!node.isTextual()) {
      errors.add(new FieldError(path, "must be a string"));
      return null;
    }
    return node.asText();
  }

  private long integer(JsonNode node, String path, long min, long max, long dflt) {
    if (node == null || node.isNull()) {
      return dflt;
    }
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      errors.add(new FieldError(path, node.isIntegralNumber() ? "must be between " + min + " and " + max
          : "must be a whole number"));
      return dflt;
    }
    long v = node.asLong();
    if (v < min || v > max) {
      errors.add(new FieldError(path, "must be between " + min + " and " + max));
      return dflt;
    }
    return v;
  }

  private long duration(JsonNode node, String path, long dflt, long maxMillis) {
    if (node == null || node.isNull()) {
      return dflt;
    }
    String text = text(node, path);
    if (text == null) {
      return dflt;
    }
    try {
      long ms = Durations.parse(text).toMillis();
      if (ms > maxMillis) {
        errors.add(new FieldError(path, "must be at most " + Durations.format(java.time.Duration.ofMillis(maxMillis))));
      }
      return ms;
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError(path, e.getMessage()));
      return dflt;
    }
  }

  private long quantity(JsonNode node, String path, Function<String, Long> parser) {
    if (node == null || node.isNull()) {
      return 0;
    }
    if (!node.isTextual() && !node.isNumber()) {
      errors.add(new FieldError(path, "must be a quantity such as 250m or 64Mi"));
      return 0;
    }
    try {
      return parser.apply(node.asText());
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError(path, e.getMessage()));
      return 0;
    }
  }

  private List<String> strings(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      errors.add(new FieldError(path, "must be a list of strings"));
      return null;
    }
    String tooMany = ExecLimits.countProblem(node.size(), ExecLimits.MAX_ARGV_ITEMS);
    if (tooMany != null) {
      errors.add(new FieldError(path, tooMany));
      return null;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      String problem = item.isTextual() ? ExecLimits.problem(item.asText(), ExecLimits.MAX_STRING_CHARS) : "must be a string";
      if (problem != null) {
        errors.add(new FieldError(path + "[" + i + "]", problem));
      } else {
        out.add(item.asText());
      }
    }
    return out;
  }

  private Map<String, String> labels(JsonNode node) {
    return stringMap(node, "metadata.labels", Labels.MAX_COUNT, Labels::keyProblem, Labels::valueProblem);
  }

  private Map<String, String> stringMap(JsonNode node, String path, int maxEntries,
      Function<String, String> keyProblem, Function<String, String> valueProblem) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      errors.add(new FieldError(path, "must be a map of strings"));
      return Map.of();
    }
    String tooMany = ExecLimits.countProblem(node.size(), maxEntries);
    if (tooMany != null) {
      errors.add(new FieldError(path, tooMany.replace("items", "entries")));
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String fieldPath = path + "." + e.getKey();
      String problem = keyProblem.apply(e.getKey());
      if (problem != null) {
        errors.add(new FieldError(fieldPath, problem));
      } else if (!e.getValue().isValueNode() || e.getValue().isNull()) {
        errors.add(new FieldError(fieldPath, "must be a string"));
      } else if (valueProblem.apply(e.getValue().asText()) != null) {
        errors.add(new FieldError(fieldPath, valueProblem.apply(e.getValue().asText())));
      } else {
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    return out;
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}

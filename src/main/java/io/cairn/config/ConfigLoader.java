package io.cairn.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link CairnConfig} from defaults, a YAML file, the environment and command-line flags,
 * later sources winning. All problems are collected and reported together.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ConfigLoader() {}

  /** A raw value and where it came from, so an error can say which source to fix. */
  private record Raw(String value, String source) {}

  public static CairnConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
    List<String> problems = new ArrayList<>();
    Map<String, Raw> raw = new HashMap<>();
    if (file != null) {
      readFile(file, raw, problems);
    }
    for (Setting<?> s : Settings.ALL) {
      String fromEnv = env.get(s.envName());
      if (fromEnv != null) {
        raw.put(s.path(), new Raw(fromEnv, "environment " + s.envName()));
      }
    }
    flags.forEach((path, value) -> raw.put(path, new Raw(value, "flag")));

    Map<Setting<?>, Object> parsed = new LinkedHashMap<>();
    for (Setting<?> s : Settings.ALL) {
      Raw r = raw.get(s.path());
      if (r == null) {
        parsed.put(s, s.defaultValue());
        continue;
      }
      try {
        parsed.put(s, s.parse(r.value()));
      } catch (IllegalArgumentException e) {
        problems.add(s.path() + " (from " + r.source() + "): " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    CairnConfig config = CairnConfig.from(new CairnConfig.Values() {
      @Override
      @SuppressWarnings("unchecked")
      public <T> T get(Setting<T> setting) {
        return (T) parsed.get(setting);
      }
    });
    checkDataDir(config.dataDir(), problems);
    if (config.s3AccessKeyId().isBlank() != config.s3SecretAccessKey().isBlank()) {
      problems.add("s3.accessKeyId / s3.secretAccessKey: give both or neither");
    }
    if (config.cluster().enabled() && config.cluster().secret().isBlank()) {
      problems.add(Settings.CLUSTER_SECRET.path() + ": required with cluster.enabled (set "
          + Settings.CLUSTER_SECRET.envName() + "); every node of the cluster must have the same one");
    }
    if (config.cluster().enabled() && config.cluster().secret().length() > 0 && config.cluster().secret().length() < 16) {
      problems.add(Settings.CLUSTER_SECRET.path() + ": must be at least 16 characters");
    }
    checkTls(config.tls(), problems);
    if (!config.limits().enabled() && (Integer) parsed.get(Settings.LIMITS_BURST) > 0) {
      problems.add(Settings.LIMITS_BURST.path() + ": has no effect without " + Settings.LIMITS_REQUESTS_PER_SECOND.path()
          + " (0, no limit); set both, or neither");
    }
    if (config.chunkSize() < (64L << 10) || config.chunkSize() > (64L << 20)) {
      problems.add("storage.chunkSize: must be between 64Ki and 64Mi");
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return config;
  }

  private static void checkTls(CairnConfig.Tls tls, List<String> problems) {
    long given = java.util.stream.Stream.of(tls.caFile(), tls.certFile(), tls.keyFile()).filter(java.util.Objects::nonNull).count();
    if (given != 0 && given != 3) {
      problems.add(Settings.TLS_CA_FILE.path() + ", " + Settings.TLS_CERT_FILE.path() + ", " + Settings.TLS_KEY_FILE.path()
          + ": give all three or none");
      return;
    }
    if (given == 0 && tls.http()) {
      problems.add(Settings.TLS_HTTP.path() + ": needs " + Settings.TLS_CA_FILE.path() + ", " + Settings.TLS_CERT_FILE.path()
          + " and " + Settings.TLS_KEY_FILE.path());
    }
    if (!tls.http() && tls.verifyClients()) {
      problems.add(Settings.TLS_VERIFY_CLIENTS.path() + ": needs " + Settings.TLS_HTTP.path() + ": true");
    }
    for (Path p : new Path[] {tls.caFile(), tls.certFile(), tls.keyFile()}) {
      if (p != null && !Files.isReadable(p)) {
        problems.add("tls: cannot read " + p);
      }
    }
  }

  private static void readFile(Path file, Map<String, Raw> raw, List<String> problems) {
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (IOException e) {
      problems.add("config file " + file + ": " + firstLine(e.getMessage()));
      return;
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return;
    }
    if (!root.isObject()) {
      problems.add("config file " + file + ": must be a mapping of settings");
      return;
    }
    Map<String, Setting<?>> known = new HashMap<>();
    Settings.ALL.forEach(s -> known.put(s.path(), s));
    flatten("", root, (path, node) -> {
      if (!known.containsKey(path)) {
        problems.add(path + " (from " + file + "): unknown setting");
      } else if (!node.isValueNode()) {
        problems.add(path + " (from " + file + "): must be a single value");
      } else {
        raw.put(path, new Raw(node.isNull() ? "" : node.asText(), file.toString()));
      }
    });
  }

  private interface LeafVisitor {
    void visit(String path, JsonNode node);
  }

  private static void flatten(String prefix, JsonNode node, LeafVisitor visitor) {
    if (!node.isObject()) {
      visitor.visit(prefix, node);
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), visitor);
    }
  }

  private static void checkDataDir(Path dir, List<String> problems) {
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".write-check", "");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      problems.add(Settings.DATA_DIR.path() + ": " + dir + " is not a writable directory ("
          + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "cannot be read";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}

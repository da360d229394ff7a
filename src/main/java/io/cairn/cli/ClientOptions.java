package io.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where to reach the node and how to print: {@code --addr} > {@code CAIRN_ADDR} > the CLI config
 * file ({@code ~/.config/cairn/cli.yaml}, keys {@code addr}, {@code output} and {@code token}) > defaults.
 */
public final class ClientOptions {
  static final String DEFAULT_ADDR = "http://127.0.0.1:7700";

  @Option(names = "--addr", paramLabel = "URL", description = "Node address (env CAIRN_ADDR; default " + DEFAULT_ADDR + ").")
  String addr;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "table (default), json or yaml.")
  String output;

  @Option(names = "--config", paramLabel = "FILE", description = "CLI config file (default ~/.config/cairn/cli.yaml).")
  Path config;

  @Option(names = "--token", paramLabel = "TOKEN", description = "API token (env CAIRN_TOKEN; key token in the config file).")
  String token;

  /** Set by {@link Cli} so tests can give their own environment. */
  static Map<String, String> env = System.getenv();

  String resolvedAddr() {
    if (addr != null) {
      return addr;
    }
    String fromEnv = env.get("CAIRN_ADDR");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    return fileSetting("addr", DEFAULT_ADDR);
  }

  Output.Format format() {
    String f = output != null ? output : fileSetting("output", "table");
    try {
      return Output.Format.valueOf(f);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("output format '" + f + "' is not one of table, json, yaml");
    }
  }

  CairnHttp http() {
    return new CairnHttp(resolvedAddr(), resolvedToken());
  }

  String resolvedToken() {
    if (token != null) {
      return token;
    }
    String fromEnv = env.get("CAIRN_TOKEN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.strip();
    }
    return fileSetting("token", null);
  }

  private String fileSetting(String key, String dflt) {
    Path file = config != null ? config : Path.of(env.getOrDefault("HOME", "."), ".config", "cairn", "cli.yaml");
    if (!Files.exists(file)) {
      if (config != null) {
        throw CliException.usage("config file " + file + " does not exist");
      }
      return dflt;
    }
    try {
      JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
      if (root == null || root.isNull()) {
        return dflt;
      }
      for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!k.equals("addr") && !k.equals("output") && !k.equals("token")) {
          throw CliException.usage(file + ": unknown key '" + k + "' (known: addr, output, token)");
        }
      }
      return root.path(key).isTextual() ? root.path(key).asText() : dflt;
    } catch (IOException e) {
      throw CliException.usage(file + " cannot be read: " + e.getMessage());
    }
  }
}

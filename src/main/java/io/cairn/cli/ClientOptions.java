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
 * file ({@code ~/.config/cairn/cli.yaml}, keys {@code addr}, {@code output}, {@code token}, {@code ca-cert},
 * {@code client-cert}, {@code client-key}) > defaults. https:// addresses are verified against
 * {@code --ca-cert} (like Nomad's NOMAD_CACERT), else the JDK's roots.
 */
public final class ClientOptions {
  static final String DEFAULT_ADDR = "http://127.0.0.1:7700";
  private static final java.util.List<String> KNOWN_KEYS = java.util.List.of("addr", "output", "token", "ca-cert",
      "client-cert", "client-key");

  @Option(names = "--addr", paramLabel = "URL", description = "Node address (env CAIRN_ADDR; default " + DEFAULT_ADDR + ").")
  String addr;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "table (default), json or yaml.")
  String output;

  @Option(names = "--config", paramLabel = "FILE", description = "CLI config file (default ~/.config/cairn/cli.yaml).")
  Path config;

  @Option(names = "--token", paramLabel = "TOKEN", description = "API token (env CAIRN_TOKEN; key token in the config file).")
  String token;

  @Option(names = "--ca-cert", paramLabel = "FILE",
      description = "PEM CA that signed the node's certificate, for https:// addresses (env CAIRN_CACERT; key ca-cert).")
  Path caCert;

  @Option(names = "--client-cert", paramLabel = "FILE",
      description = "PEM client certificate, for nodes with tls.verifyClients (env CAIRN_CLIENT_CERT; key client-cert).")
  Path clientCert;

  @Option(names = "--client-key", paramLabel = "FILE",
      description = "PEM key of --client-cert (env CAIRN_CLIENT_KEY; key client-key).")
  Path clientKey;

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
    return new CairnHttp(resolvedAddr(), resolvedToken(), tls());
  }

  /** The TLS context for https:// addresses: the given CA (else the JDK's roots) and client certificate. */
  javax.net.ssl.SSLSocketFactory tls() {
    Path ca = file(caCert, "CAIRN_CACERT", "ca-cert");
    Path cert = file(clientCert, "CAIRN_CLIENT_CERT", "client-cert");
    Path key = file(clientKey, "CAIRN_CLIENT_KEY", "client-key");
    if ((cert == null) != (key == null)) {
      throw CliException.usage("--client-cert and --client-key go together");
    }
    if (ca == null && cert == null) {
      return null;
    }
    try {
      return io.cairn.tls.SslContexts.client(ca, cert, key).getSocketFactory();
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw CliException.usage("TLS files cannot be used: " + e.getMessage());
    }
  }

  private Path file(Path flag, String envName, String key) {
    if (flag != null) {
      return flag;
    }
    String fromEnv = env.get(envName);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv.strip());
    }
    String fromFile = fileSetting(key, null);
    return fromFile == null ? null : Path.of(fromFile);
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
        if (!KNOWN_KEYS.contains(k)) {
          throw CliException.usage(file + ": unknown key '" + k + "' (known: " + String.join(", ", KNOWN_KEYS) + ")");
        }
      }
      return root.path(key).isTextual() ? root.path(key).asText() : dflt;
    } catch (IOException e) {
      throw CliException.usage(file + " cannot be read: " + e.getMessage());
    }
  }
}

package io.cairn.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the S3 endpoint is and which key signs for it, the way S3 tools look: {@code --endpoint} >
 * {@code CAIRN_S3_ENDPOINT}, and {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY} /
 * {@code AWS_DEFAULT_REGION} from the environment, else from an {@code s3.env} file as a
 * {@code --dev} node writes it ({@code --s3-env}, {@code CAIRN_S3_ENV}, or {@code ./data/s3.env}).
 */
public final class S3Options {
  @Option(names = "--endpoint", paramLabel = "URL", description = "S3 endpoint (env CAIRN_S3_ENDPOINT; default from s3.env).")
  String endpoint;

  @Option(names = "--s3-env", paramLabel = "FILE",
      description = "Shell-style file with AWS_* keys and CAIRN_S3_ENDPOINT (env CAIRN_S3_ENV; default ./data/s3.env).")
  Path envFile;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "table (default), json or yaml.")
  String output;

  record Resolved(URI endpoint, String accessKeyId, String secretAccessKey, String region) {}

  Output.Format format() {
    String f = output != null ? output : "table";
    try {
      return Output.Format.valueOf(f);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("output format '" + f + "' is not one of table, json, yaml");
    }
  }

  S3Client client() {
    Map<String, String> env = ClientOptions.env;
    Map<String, String> file = envFile();
    String url = endpoint != null ? endpoint : pick(env, file, "CAIRN_S3_ENDPOINT");
    String access = pick(env, file, "AWS_ACCESS_KEY_ID");
    String secret = pick(env, file, "AWS_SECRET_ACCESS_KEY");
    String region = pick(env, file, "AWS_DEFAULT_REGION");
    if (region == null) {
      region = pick(env, file, "AWS_REGION");
    }
    if (url == null) {
      throw CliException.usage("no S3 endpoint: pass --endpoint, set CAIRN_S3_ENDPOINT, or point --s3-env at the node's "
          + "DATA_DIR/s3.env");
    }
    if (access == null || secret == null) {
      throw CliException.usage("no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or point --s3-env "
          + "at the node's DATA_DIR/s3.env");
    }
    URI uri;
    try {
      uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("'" + url + "' is not a valid S3 endpoint (use e.g. http://127.0.0.1:7701)");
    }
    if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
      throw CliException.usage("'" + url + "' is not a valid S3 endpoint (use e.g. http://127.0.0.1:7701)");
    }
    return new S3Client(new Resolved(uri, access, secret, region != null ? region : "us-east-1"));
  }

  private static String pick(Map<String, String> env, Map<String, String> file, String key) {
    String v = env.get(key);
    if (v == null || v.isBlank()) {
      v = file.get(key);
    }
    return v == null || v.isBlank() ? null : v;
  }

  /** KEY=VALUE lines (optionally "export " and quotes), as the node writes s3.env. */
  private Map<String, String> envFile() {
    Path file = envFile;
    if (file == null && ClientOptions.env.get("CAIRN_S3_ENV") != null) {
      file = Path.of(ClientOptions.env.get("CAIRN_S3_ENV"));
    }
    boolean explicit = file != null;
    if (file == null) {
      file = Path.of("data", "s3.env");
    }
    Map<String, String> values = new HashMap<>();
    if (!Files.exists(file)) {
      if (explicit) {
        throw CliException.usage("s3 env file " + file + " does not exist");
      }
      return values;
    }
    try {
      for (String line : Files.readAllLines(file)) {
        String l = line.strip();
        if (l.startsWith("export ")) {
          l = l.substring(7).strip();
        }
        int eq = l.indexOf('=');
        if (l.isEmpty() || l.startsWith("#") || eq < 1) {
          continue;
        }
        String value = l.substring(eq + 1).strip();
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
            || value.startsWith("'") && value.endsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        }
        values.put(l.substring(0, eq).strip(), value);
      }
    } catch (IOException e) {
      throw CliException.usage(file + " cannot be read: " + e.getMessage());
    }
    return values;
  }
}

package io.cairn.s3;

import io.cairn.config.CairnConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/** The --dev key pair: generated once, kept in DATA_DIR/s3.env as shell lines, reused on restart. */
public final class S3Keys {
  private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  private static final String SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  private S3Keys() {}

  /** {accessKeyId, secretAccessKey}: read from an existing s3.env, else newly generated. */
  public static String[] loadOrCreate(Path envFile) throws IOException {
    if (Files.exists(envFile)) {
      Map<String, String> env = parse(Files.readString(envFile));
      String id = env.get("AWS_ACCESS_KEY_ID");
      String secret = env.get("AWS_SECRET_ACCESS_KEY");
      if (id != null && secret != null) {
        return new String[] {id, secret};
      }
    }
    SecureRandom random = new SecureRandom();
    return new String[] {"CAIRN" + pick(random, UPPER, 15), pick(random, SECRET, 40)};
  }

  public static void writeEnv(Path envFile, CairnConfig config, int port) throws IOException {
    // "export" lines, so that `. s3.env` alone sets them for aws-cli and the cairn CLI
    String text = "export AWS_ACCESS_KEY_ID=" + config.s3AccessKeyId() + "\n"
        + "export AWS_SECRET_ACCESS_KEY=" + config.s3SecretAccessKey() + "\n"
        + "export AWS_DEFAULT_REGION=" + config.s3Region() + "\n"
        + "export CAIRN_S3_ENDPOINT=http://" + config.s3Host() + ":" + port + "\n";
    Path tmp = envFile.resolveSibling("s3.env.tmp");
    io.cairn.node.PrivateFiles.writeString(envFile, text);
  }

  static Map<String, String> parse(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String kv = line.strip().startsWith("export ") ? line.strip().substring("export ".length()) : line;
      int eq = kv.indexOf('=');
      if (eq > 0) {
        out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
      }
    }
    return out;
  }

  private static String pick(SecureRandom random, String alphabet, int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return b.toString();
  }
}

package io.cairn.s3;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One request's addressing: bucket, key and query parameters, decoded. Path style
 * ({@code /bucket/key}) or virtual-host style ({@code bucket.<s3.domain>/key}).
 */
record S3Target(String bucket, String key, Map<String, List<String>> query, String requestId) {
  String param(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  boolean has(String name) {
    return query.containsKey(name);
  }

  /** The signed path as the client sent it (decoded), and the bucket and key it names. */
  static S3Target parse(String rawPath, String rawQuery, String host, String domain, String requestId) {
    String path = decodePath(rawPath);
    Map<String, List<String>> query = parseQuery(rawQuery);
    String trimmed = path.startsWith("/") ? path.substring(1) : path;
    String hostBucket = bucketFromHost(host, domain);
    if (hostBucket != null) {
      return new S3Target(hostBucket, trimmed.isEmpty() ? null : trimmed, query, requestId);
    }
    int slash = trimmed.indexOf('/');
    String bucket = trimmed.isEmpty() ? null : slash < 0 ? trimmed : trimmed.substring(0, slash);
    String key = slash < 0 || slash == trimmed.length() - 1 ? null : trimmed.substring(slash + 1);
    return new S3Target(bucket, key, query, requestId);
  }

  /** {@code bucket.domain[:port]} names a bucket when a domain is configured; anything else is path style. */
  static String bucketFromHost(String host, String domain) {
    if (host == null || domain == null || domain.isEmpty()) {
      return null;
    }
    String name = host;
    int colon = name.lastIndexOf(':');
    if (colon > 0 && name.indexOf(']') < colon) {
      name = name.substring(0, colon);
    }
    name = name.toLowerCase(java.util.Locale.ROOT);
    String suffix = "." + domain.toLowerCase(java.util.Locale.ROOT);
    return name.endsWith(suffix) && name.length() > suffix.length()
        ? name.substring(0, name.length() - suffix.length()) : null;
  }

  /** Percent-decoding of a path: '+' stays '+' (S3 paths are not form-encoded). */
  static String decodePath(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    byte[] out = new byte[raw.length()];
    int n = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length()) {
        try {
          out[n++] = (byte) Integer.parseInt(raw.substring(i + 1, i + 3), 16);
          i += 2;
          continue;
        } catch (NumberFormatException e) {
          throw S3Exception.invalidArgument("bad percent-encoding in the path");
        }
      }
      for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
        if (n == out.length) {
          out = java.util.Arrays.copyOf(out, out.length * 2 + 4);
        }
        out[n++] = b;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  static Map<String, List<String>> parseQuery(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decodePath(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decodePath(pair.substring(eq + 1));
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }
}

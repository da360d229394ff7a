package io.cairn.s3;

import io.cairn.objects.ObjectMeta;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An object's metadata as the client gives it on a write (Content-Type, the system headers S3 keeps,
 * x-amz-meta-*) and as GET/HEAD return it, with the {@code response-*} query overrides.
 */
record ObjectHeaders(String contentType, Map<String, String> system, Map<String, String> userMetadata) {
  static final String DEFAULT_CONTENT_TYPE = "binary/octet-stream";
  /** The system metadata S3 stores with an object and returns as given, by their canonical names. */
  static final List<String> SYSTEM = List.of("Cache-Control", "Content-Disposition", "Content-Encoding",
      "Content-Language", "Expires");
  /** GET's response-* parameters and the header each one sets. */
  private static final Map<String, String> OVERRIDES = Map.of("response-content-type", "Content-Type",
      "response-cache-control", "Cache-Control", "response-content-disposition", "Content-Disposition",
      "response-content-encoding", "Content-Encoding", "response-content-language", "Content-Language",
      "response-expires", "Expires");
  /** User metadata larger than this (names and values, as S3 counts) is refused. */
  static final int MAX_USER_METADATA_BYTES = 2048;

  static ObjectHeaders from(MultiMap headers) {
    Map<String, String> system = new LinkedHashMap<>();
    for (String name : SYSTEM) {
      String v = headers.get(name);
      if (name.equals("Content-Encoding") && v != null) {
        v = withoutAwsChunked(v); // how the body was framed on the wire, not what the object is
      }
      if (v != null) {
        system.put(name, v);
      }
    }
    Map<String, String> user = new LinkedHashMap<>();
    int bytes = 0;
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("x-amz-meta-")) {
        String key = name.substring("x-amz-meta-".length());
        user.put(key, h.getValue());
        bytes += key.length() + h.getValue().length();
      }
    }
    if (bytes > MAX_USER_METADATA_BYTES) {
      throw new S3Exception(400, "MetadataTooLarge", "user metadata is " + bytes + " bytes; at most "
          + MAX_USER_METADATA_BYTES + " are allowed");
    }
    String type = headers.get("Content-Type");
    return new ObjectHeaders(type == null || type.isBlank() ? DEFAULT_CONTENT_TYPE : type, Map.copyOf(system),
        Map.copyOf(user));
  }

  private static String withoutAwsChunked(String encoding) {
    String rest = java.util.Arrays.stream(encoding.split(",")).map(String::trim)
        .filter(e -> !e.isEmpty() && !e.equalsIgnoreCase("aws-chunked"))
        .collect(java.util.stream.Collectors.joining(", "));
    return rest.isEmpty() ? null : rest;
  }

  static ObjectHeaders of(ObjectMeta meta) {
    return new ObjectHeaders(meta.contentType(), meta.headers(), meta.userMetadata());
  }

  /** Puts the object's metadata on a GET/HEAD reply; {@code response-*} parameters win. */
  static void write(ObjectMeta meta, S3Target t, HttpServerResponse resp) {
    resp.putHeader("Content-Type", meta.contentType() == null ? DEFAULT_CONTENT_TYPE : meta.contentType());
    meta.headers().forEach(resp::putHeader);
    meta.userMetadata().forEach((k, v) -> resp.putHeader("x-amz-meta-" + k, v));
    OVERRIDES.forEach((param, header) -> {
      String v = t.param(param);
      if (v != null) {
        resp.putHeader(header, v);
      }
    });
  }

  /** Whether GET's response-* parameters were used (S3 refuses them on anonymous requests). */
  static boolean overridden(S3Target t) {
    return OVERRIDES.keySet().stream().anyMatch(t::has);
  }
}

package io.cairn.s3;

import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for S3: the canonical request, the string to sign and the signing key,
 * checked for the Authorization header and for presigned URLs (X-Amz-* query parameters).
 */
public final class SigV4 {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  static final String UNSIGNED = "UNSIGNED-PAYLOAD";
  static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Duration MAX_SKEW = Duration.ofMinutes(15);

  private SigV4() {}

  /**
   * What a verified request proved: who signed it and how its payload is to be checked. The seed
   * signature, signing key, date and scope sign each chunk of an aws-chunked body in turn.
   */
  record Verified(String accessKeyId, String payloadHash, String seedSignature, byte[] signingKey, String amzDate,
      String scope) {
    /** An unsigned read of a public-read bucket: no identity, no payload to check. */
    static Verified anonymous() {
      return new Verified(null, UNSIGNED, null, null, null, null);
    }
  }

  /** The request as signing sees it: method, decoded path, decoded query, headers. */
  record Request(String method, String path, Map<String, List<String>> query, MultiMap headers) {}

  static Verified verify(Request r, String accessKeyId, String secret, String region, Instant now) {
    String auth = r.headers().get("Authorization");
    boolean presigned = r.query().containsKey("X-Amz-Signature");
    if (auth == null && !presigned) {
      throw S3Exception.accessDenied("the request is not signed");
    }
    String credential;
    String signedHeaders;
    String signature;
    String amzDate;
    String payloadHash;
    if (presigned) {
      if (!ALGORITHM.equals(first(r.query(), "X-Amz-Algorithm"))) {
        throw new S3Exception(400, "AuthorizationQueryParametersError", "X-Amz-Algorithm must be " + ALGORITHM);
      }
      credential = first(r.query(), "X-Amz-Credential");
      signedHeaders = first(r.query(), "X-Amz-SignedHeaders");
      signature = first(r.query(), "X-Amz-Signature");
      amzDate = first(r.query(), "X-Amz-Date");
      payloadHash = UNSIGNED;
      long expires = parseLong(first(r.query(), "X-Amz-Expires"));
      Instant signedAt = parseDate(amzDate);
      if (expires < 1 || expires > 604_800) {
        throw new S3Exception(400, "AuthorizationQueryParametersError",
            "X-Amz-Expires must be between 1 and 604800 seconds (7 days)");
      }
      if (now.isAfter(signedAt.plusSeconds(expires))) {
        throw S3Exception.accessDenied("Request has expired");
      }
    } else {
      if (!auth.startsWith(ALGORITHM + " ")) {
        throw new S3Exception(400, "InvalidArgument", "only " + ALGORITHM + " signatures are accepted");
      }
      Map<String, String> parts = new TreeMap<>();
      for (String part : auth.substring(ALGORITHM.length() + 1).split(",")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          parts.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
      }
      credential = parts.get("Credential");
      signedHeaders = parts.get("SignedHeaders");
      signature = parts.get("Signature");
      amzDate = r.headers().get("x-amz-date") != null ? r.headers().get("x-amz-date") : r.headers().get("date");
      payloadHash = r.headers().get("x-amz-content-sha256");
      if (payloadHash == null) {
        throw new S3Exception(400, "InvalidRequest", "x-amz-content-sha256 is required");
      }
      Instant signedAt = parseDate(amzDate);
      if (Duration.between(signedAt, now).abs().compareTo(MAX_SKEW) > 0) {
        throw new S3Exception(403, "RequestTimeTooSkewed", "the request time is too far from the server time");
      }
    }
    if (credential == null || signedHeaders == null || signature == null) {
      throw new S3Exception(400, "AuthorizationHeaderMalformed", "Credential, SignedHeaders and Signature are required");
    }
    String[] scope = credential.split("/");
    if (scope.length != 5 || !scope[3].equals("s3") || !scope[4].equals("aws4_request")) {
      throw new S3Exception(400, "AuthorizationHeaderMalformed", "bad credential scope '" + credential + "'");
    }
    if (!scope[0].equals(accessKeyId)) {
      throw new S3Exception(403, "InvalidAccessKeyId", "the access key id is not known to this server");
    }
    if (!scope[2].equals(region)) {
      throw new S3Exception(400, "AuthorizationHeaderMalformed", "the region '" + scope[2] + "' is wrong; expecting '"
          + region + "'");
    }
    String canonical = canonicalRequest(r, signedHeaders, payloadHash, presigned);
    String scopeText = scope[1] + "/" + scope[2] + "/s3/aws4_request";
    String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scopeText + "\n"
        + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
    byte[] key = signingKey(secret, scope[1], scope[2]);
    String expected = hex(hmac(key, stringToSign));
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
      throw new S3Exception(403, "SignatureDoesNotMatch",
          "the request signature we calculated does not match the signature you provided");
    }
    return new Verified(accessKeyId, payloadHash, signature, key, amzDate, scopeText);
  }

  /**
   * Signs a client's request (the CLI's) with the same canonical form the server checks: host, every
   * x-amz-* header and content-type are signed. Returns the headers to send, Authorization included.
   *
   * @param path the decoded path ("/bucket/some key"); send it encoded with {@link #uriEncode(String, boolean)}
   */
  public static Map<String, String> sign(String method, String host, String path, Map<String, List<String>> query,
      Map<String, String> headers, String payloadHash, String accessKeyId, String secret, String region, Instant now) {
    String amzDate = AMZ_DATE.format(now);
    String date = amzDate.substring(0, 8);
    TreeMap<String, String> signed = new TreeMap<>();
    headers.forEach((k, v) -> signed.put(k.toLowerCase(Locale.ROOT), v));
    signed.put("host", host);
    signed.put("x-amz-date", amzDate);
    signed.put("x-amz-content-sha256", payloadHash);
    MultiMap multi = MultiMap.caseInsensitiveMultiMap();
    signed.forEach(multi::add);
    String signedHeaders = String.join(";", signed.keySet());
    String scope = date + "/" + region + "/s3/aws4_request";
    String canonical = canonicalRequest(new Request(method, path, query, multi), signedHeaders, payloadHash, false);
    String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
        + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
    String signature = hex(hmac(signingKey(secret, date, region), stringToSign));
    Map<String, String> out = new TreeMap<>(signed);
    out.remove("host"); // the HTTP client sets it from the URL
    out.put("Authorization", ALGORITHM + " Credential=" + accessKeyId + "/" + scope + ", SignedHeaders=" + signedHeaders
        + ", Signature=" + signature);
    return out;
  }

  static String canonicalRequest(Request r, String signedHeaders, String payloadHash, boolean presigned) {
    StringBuilder headers = new StringBuilder();
    for (String name : signedHeaders.split(";")) {
      List<String> values = r.headers().getAll(name);
      List<String> trimmed = new ArrayList<>();
      values.forEach(v -> trimmed.add(v.trim().replaceAll(" +", " ")));
      headers.append(name.toLowerCase(Locale.ROOT)).append(':').append(String.join(",", trimmed)).append('\n');
    }
    return r.method() + "\n" + uriEncode(r.path(), false) + "\n" + canonicalQuery(r.query(), presigned) + "\n"
        + headers + "\n" + signedHeaders + "\n" + payloadHash;
  }

  static String canonicalQuery(Map<String, List<String>> query, boolean presigned) {
    TreeMap<String, List<String>> sorted = new TreeMap<>();
    query.forEach((k, vs) -> {
      if (!(presigned && k.equals("X-Amz-Signature"))) {
        List<String> encoded = new ArrayList<>();
        vs.forEach(v -> encoded.add(uriEncode(v, true)));
        encoded.sort(null);
        sorted.put(uriEncode(k, true), encoded);
      }
    });
    StringBuilder out = new StringBuilder();
    sorted.forEach((k, vs) -> vs.forEach(v -> {
      if (out.length() > 0) {
        out.append('&');
      }
      out.append(k).append('=').append(v);
    }));
    return out.toString();
  }

  /** RFC 3986 encoding as SigV4 wants it: unreserved characters kept, '/' kept in paths. */
  public static String uriEncode(String text, boolean encodeSlash) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
          || c == '.' || c == '~' || (c == '/' && !encodeSlash)) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  public static byte[] signingKey(String secret, String date, String region) {
    byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
    k = hmac(k, region);
    k = hmac(k, "s3");
    return hmac(k, "aws4_request");
  }

  static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static String first(Map<String, List<String>> query, String key) {
    List<String> v = query.get(key);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static Instant parseDate(String amzDate) {
    if (amzDate == null) {
      throw new S3Exception(403, "AccessDenied", "x-amz-date is required");
    }
    try {
      return Instant.from(AMZ_DATE.parse(amzDate));
    } catch (DateTimeParseException e) {
      throw new S3Exception(403, "AccessDenied", "x-amz-date '" + amzDate + "' is not yyyyMMddTHHmmssZ");
    }
  }

  private static long parseLong(String text) {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException | NullPointerException e) {
      return -1;
    }
  }
}

package io.cairn.s3;

import io.cairn.events.AuthDenials;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * S3's refusals (every 403: AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId, ...) as
 * {@link AuthDenials}, naming the access key id the request presented, never a secret or signature.
 */
final class S3Denials {
  private static final Pattern CREDENTIAL = Pattern.compile("Credential=([^/,\\s]*)");
  /** Access key ids are short and alphanumeric; anything else is not echoed into the audit log. */
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9]{1,128}");
  private static final Pattern SANE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:/+=-]{1,128}");

  private final AuthDenials denials;

  S3Denials(AuthDenials denials) {
    this.denials = denials;
  }

  /** Records {@code e} when it refuses the caller (a 403); other failures are not about who calls. */
  void record(HttpServerRequest req, Map<String, List<String>> query, S3Exception e, String s3RequestId) {
    if (e.status() != 403) {
      return;
    }
    String given = req.getHeader("X-Request-Id");
    String requestId = given != null && SANE_REQUEST_ID.matcher(given).matches() ? given : s3RequestId;
    String source = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
    denials.record(new AuthDenials.Denial(source, keyId(req.getHeader("Authorization"), query),
        "S3 " + req.method() + " " + req.path(), e.code() + ": " + e.getMessage(), requestId));
  }

  /** The access key id from SigV4's {@code Credential=} or a presigned URL's {@code X-Amz-Credential}. */
  static String keyId(String authorization, Map<String, List<String>> query) {
    String id = null;
    if (authorization != null) {
      Matcher m = CREDENTIAL.matcher(authorization);
      id = m.find() ? m.group(1) : "";
    } else if (query != null && query.get("X-Amz-Credential") != null && !query.get("X-Amz-Credential").isEmpty()) {
      String credential = query.get("X-Amz-Credential").get(0);
      int slash = credential.indexOf('/');
      id = slash < 0 ? credential : credential.substring(0, slash);
    }
    if (id == null) {
      return "anonymous";
    }
    return KEY_ID.matcher(id).matches() ? "access key " + id : "access key malformed";
  }
}

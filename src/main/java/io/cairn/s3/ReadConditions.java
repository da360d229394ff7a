package io.cairn.s3;

import io.cairn.objects.ObjectMeta;
import io.vertx.core.MultiMap;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * GET/HEAD preconditions as S3 (RFC 9110) evaluates them: If-Match, then If-Unmodified-Since
 * (ignored when If-Match is given) fail with 412; If-None-Match, then If-Modified-Since (ignored
 * when If-None-Match is given) answer 304 Not Modified. Times have one-second resolution.
 */
final class ReadConditions {
  private ReadConditions() {}

  static void check(MultiMap headers, ObjectMeta meta) {
    String ifMatch = headers.get("If-Match");
    long modifiedSecond = meta.createdAt() / 1000;
    if (ifMatch != null) {
      if (!matches(ifMatch, meta.etag())) {
        throw new S3Exception(412, "PreconditionFailed", "the object's ETag does not match If-Match");
      }
    } else {
      Long since = date(headers.get("If-Unmodified-Since"));
      if (since != null && modifiedSecond > since) {
        throw new S3Exception(412, "PreconditionFailed", "the object was modified after If-Unmodified-Since");
      }
    }
    String ifNoneMatch = headers.get("If-None-Match");
    if (ifNoneMatch != null) {
      if (matches(ifNoneMatch, meta.etag())) {
        throw new S3Exception(304, "NotModified", "not modified");
      }
    } else {
      Long since = date(headers.get("If-Modified-Since"));
      if (since != null && modifiedSecond <= since) {
        throw new S3Exception(304, "NotModified", "not modified");
      }
    }
  }

  /** A comma-separated list of (quoted, possibly weak) ETags, or *. */
  static boolean matches(String header, String etag) {
    for (String one : header.split(",")) {
      String tag = one.trim();
      if (tag.equals("*")) {
        return true;
      }
      if (tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
        tag = tag.substring(1, tag.length() - 1);
      }
      if (tag.equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /** An HTTP date in epoch seconds; an unparsable one is ignored, as HTTP says. */
  private static Long date(String value) {
    if (value == null) {
      return null;
    }
    try {
      return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}

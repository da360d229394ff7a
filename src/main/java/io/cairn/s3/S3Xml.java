package io.cairn.s3;

import io.cairn.objects.BucketMeta;
import io.cairn.objects.ObjectCatalog;
import io.cairn.objects.ObjectMeta;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** S3's XML documents, written by hand: they are few, small and fixed. */
final class S3Xml {
  static final String NS = "http://s3.amazonaws.com/doc/2006-03-01/";
  private static final String HEAD = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

  private S3Xml() {}

  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  static String time(long millis) {
    return Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.MILLIS).toString();
  }

  static String error(String code, String message, String resource, String requestId) {
    return HEAD + "<Error><Code>" + code + "</Code><Message>" + escape(message) + "</Message><Resource>"
        + escape(resource) + "</Resource><RequestId>" + requestId + "</RequestId></Error>";
  }

  static String buckets(Iterable<BucketMeta> buckets, String owner) {
    StringBuilder b = new StringBuilder(HEAD).append("<ListAllMyBucketsResult xmlns=\"").append(NS)
        .append("\"><Owner><ID>").append(owner).append("</ID><DisplayName>").append(owner)
        .append("</DisplayName></Owner><Buckets>");
    for (BucketMeta m : buckets) {
      b.append("<Bucket><Name>").append(escape(m.name())).append("</Name><CreationDate>").append(time(m.createdAt()))
          .append("</CreationDate></Bucket>");
    }
    return b.append("</Buckets></ListAllMyBucketsResult>").toString();
  }

  /** Encodes keys when the client asked for {@code encoding-type=url} (botocore always does). */
  interface KeyEncoder {
    String apply(String key);
  }

  static String listing(String bucket, ObjectCatalog.Listing l, boolean v2, String prefix, String delimiter,
      int maxKeys, String marker, String continuation, String nextToken, String startAfter, KeyEncoder enc,
      boolean urlEncoded) {
    StringBuilder b = new StringBuilder(HEAD).append("<ListBucketResult xmlns=\"").append(NS).append("\">")
        .append("<Name>").append(escape(bucket)).append("</Name>")
        .append("<Prefix>").append(escape(enc.apply(prefix))).append("</Prefix>");
    if (v2) {
      b.append("<KeyCount>").append(l.objects().size() + l.commonPrefixes().size()).append("</KeyCount>");
      if (continuation != null) {
        b.append("<ContinuationToken>").append(escape(continuation)).append("</ContinuationToken>");
      }
      if (nextToken != null) {
        b.append("<NextContinuationToken>").append(escape(nextToken)).append("</NextContinuationToken>");
      }
      if (startAfter != null) {
        b.append("<StartAfter>").append(escape(enc.apply(startAfter))).append("</StartAfter>");
      }
    } else {
      b.append("<Marker>").append(escape(enc.apply(marker == null ? "" : marker))).append("</Marker>");
      if (l.truncated() && delimiter != null && !delimiter.isEmpty()) {
        b.append("<NextMarker>").append(escape(enc.apply(l.lastKey()))).append("</NextMarker>");
      }
    }
    b.append("<MaxKeys>").append(maxKeys).append("</MaxKeys>");
    if (delimiter != null && !delimiter.isEmpty()) {
      b.append("<Delimiter>").append(escape(enc.apply(delimiter))).append("</Delimiter>");
    }
    if (urlEncoded) {
      b.append("<EncodingType>url</EncodingType>");
    }
    b.append("<IsTruncated>").append(l.truncated()).append("</IsTruncated>");
    for (ObjectMeta o : l.objects()) {
      b.append("<Contents><Key>").append(escape(enc.apply(o.key()))).append("</Key><LastModified>")
          .append(time(o.createdAt())).append("</LastModified><ETag>&quot;").append(o.etag())
          .append("&quot;</ETag><Size>").append(o.size()).append("</Size><StorageClass>STANDARD</StorageClass></Contents>");
    }
    for (String p : l.commonPrefixes()) {
      b.append("<CommonPrefixes><Prefix>").append(escape(enc.apply(p))).append("</Prefix></CommonPrefixes>");
    }
    return b.append("</ListBucketResult>").toString();
  }
}

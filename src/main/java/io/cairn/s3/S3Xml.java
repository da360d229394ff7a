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

  static String initiated(String bucket, String key, String uploadId) {
    return HEAD + "<InitiateMultipartUploadResult xmlns=\"" + NS + "\"><Bucket>" + escape(bucket) + "</Bucket><Key>"
        + escape(key) + "</Key><UploadId>" + uploadId + "</UploadId></InitiateMultipartUploadResult>";
  }

  /** {@code checksums}: the object's checksum by header name (x-amz-checksum-crc32 -> ChecksumCRC32), or empty. */
  static String completed(String bucket, String key, String etag, java.util.Map<String, String> checksums) {
    StringBuilder sums = new StringBuilder();
    checksums.forEach((header, value) -> {
      String element = "Checksum" + header.substring("x-amz-checksum-".length()).toUpperCase(java.util.Locale.ROOT);
      sums.append('<').append(element).append('>').append(escape(value)).append("</").append(element).append('>');
    });
    return HEAD + "<CompleteMultipartUploadResult xmlns=\"" + NS + "\"><Location>/" + escape(bucket) + "/"
        + escape(key) + "</Location><Bucket>" + escape(bucket) + "</Bucket><Key>" + escape(key) + "</Key><ETag>&quot;"
        + etag + "&quot;</ETag>" + sums + "</CompleteMultipartUploadResult>";
  }

  static String parts(String bucket, String key, String uploadId, java.util.List<io.cairn.objects.MultipartUpload.Part> parts) {
    StringBuilder b = new StringBuilder(HEAD).append("<ListPartsResult xmlns=\"").append(NS).append("\"><Bucket>")
        .append(escape(bucket)).append("</Bucket><Key>").append(escape(key)).append("</Key><UploadId>").append(uploadId)
        .append("</UploadId><IsTruncated>false</IsTruncated>");
    for (io.cairn.objects.MultipartUpload.Part p : parts) {
      b.append("<Part><PartNumber>").append(p.partNumber()).append("</PartNumber><LastModified>").append(time(p.createdAt()))
          .append("</LastModified><ETag>&quot;").append(p.etag()).append("&quot;</ETag><Size>").append(p.size())
          .append("</Size></Part>");
    }
    return b.append("</ListPartsResult>").toString();
  }

  static String uploads(String bucket, java.util.List<io.cairn.objects.MultipartUpload.Upload> uploads) {
    StringBuilder b = new StringBuilder(HEAD).append("<ListMultipartUploadsResult xmlns=\"").append(NS)
        .append("\"><Bucket>").append(escape(bucket)).append("</Bucket><IsTruncated>false</IsTruncated>");
    for (io.cairn.objects.MultipartUpload.Upload u : uploads) {
      b.append("<Upload><Key>").append(escape(u.key())).append("</Key><UploadId>").append(u.uploadId())
          .append("</UploadId><Initiated>").append(time(u.createdAt())).append("</Initiated><StorageClass>STANDARD")
          .append("</StorageClass></Upload>");
    }
    return b.append("</ListMultipartUploadsResult>").toString();
  }

  static String deleted(java.util.List<String> deleted, java.util.Map<String, S3Exception> failed, boolean quiet) {
    StringBuilder b = new StringBuilder(HEAD).append("<DeleteResult xmlns=\"").append(NS).append("\">");
    if (!quiet) {
      deleted.forEach(k -> b.append("<Deleted><Key>").append(escape(k)).append("</Key></Deleted>"));
    }
    failed.forEach((k, e) -> b.append("<Error><Key>").append(escape(k)).append("</Key><Code>").append(e.code())
        .append("</Code><Message>").append(escape(e.getMessage())).append("</Message></Error>"));
    return b.append("</DeleteResult>").toString();
  }

  static String copiedPart(String etag, long millis) {
    return HEAD + "<CopyPartResult xmlns=\"" + NS + "\"><LastModified>" + time(millis) + "</LastModified><ETag>&quot;"
        + etag + "&quot;</ETag></CopyPartResult>";
  }

  static String copied(String etag, long millis) {
    return HEAD + "<CopyObjectResult xmlns=\"" + NS + "\"><LastModified>" + time(millis) + "</LastModified><ETag>&quot;"
        + etag + "&quot;</ETag></CopyObjectResult>";
  }

  /** Encodes keys when the client asked for {@code encoding-type=url} (botocore always does). */
  interface KeyEncoder {
    String apply(String key);
  }

  /** {@code owner}: shown with each object (ListObjects v1 always, v2 with fetch-owner=true), or null. */
  static String listing(String bucket, ObjectCatalog.Listing l, boolean v2, String prefix, String delimiter,
      int maxKeys, String marker, String continuation, String nextToken, String startAfter, KeyEncoder enc,
      boolean urlEncoded, String owner) {
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
    pageFacts(b, maxKeys, delimiter, enc, urlEncoded, l.truncated());
    for (ObjectMeta o : l.objects()) {
      b.append("<Contents><Key>").append(escape(enc.apply(o.key()))).append("</Key><LastModified>")
          .append(time(o.createdAt())).append("</LastModified><ETag>&quot;").append(o.etag())
          .append("&quot;</ETag><Size>").append(o.size()).append("</Size>");
      owner(b, owner);
      b.append("<StorageClass>STANDARD</StorageClass></Contents>");
    }
    for (String p : l.commonPrefixes()) {
      b.append("<CommonPrefixes><Prefix>").append(escape(enc.apply(p))).append("</Prefix></CommonPrefixes>");
    }
    return b.append("</ListBucketResult>").toString();
  }

  /** What both listing shapes say about the page: MaxKeys, Delimiter, EncodingType, IsTruncated. */
  private static void pageFacts(StringBuilder b, int maxKeys, String delimiter, KeyEncoder enc, boolean urlEncoded,
      boolean truncated) {
    b.append("<MaxKeys>").append(maxKeys).append("</MaxKeys>");
    if (delimiter != null && !delimiter.isEmpty()) {
      b.append("<Delimiter>").append(escape(enc.apply(delimiter))).append("</Delimiter>");
    }
    if (urlEncoded) {
      b.append("<EncodingType>url</EncodingType>");
    }
    b.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
  }

  private static void owner(StringBuilder b, String owner) {
    if (owner != null) {
      b.append("<Owner><ID>").append(escape(owner)).append("</ID><DisplayName>").append(escape(owner))
          .append("</DisplayName></Owner>");
    }
  }

  /** ListObjectVersions of a bucket without versioning: each object once, version "null", latest. */
  static String versions(String bucket, ObjectCatalog.Listing l, String prefix, String delimiter, int maxKeys,
      String keyMarker, KeyEncoder enc, boolean urlEncoded, String owner) {
    StringBuilder b = new StringBuilder(HEAD).append("<ListVersionsResult xmlns=\"").append(NS).append("\">")
        .append("<Name>").append(escape(bucket)).append("</Name>")
        .append("<Prefix>").append(escape(enc.apply(prefix))).append("</Prefix>")
        .append("<KeyMarker>").append(escape(enc.apply(keyMarker == null ? "" : keyMarker))).append("</KeyMarker>")
        .append("<VersionIdMarker></VersionIdMarker>");
    if (l.truncated()) {
      b.append("<NextKeyMarker>").append(escape(enc.apply(l.lastKey()))).append("</NextKeyMarker>")
          .append("<NextVersionIdMarker>null</NextVersionIdMarker>");
    }
    pageFacts(b, maxKeys, delimiter, enc, urlEncoded, l.truncated());
    for (ObjectMeta o : l.objects()) {
      b.append("<Version><Key>").append(escape(enc.apply(o.key()))).append("</Key><VersionId>null</VersionId>")
          .append("<IsLatest>true</IsLatest><LastModified>").append(time(o.createdAt())).append("</LastModified>")
          .append("<ETag>&quot;").append(o.etag()).append("&quot;</ETag><Size>").append(o.size()).append("</Size>");
      owner(b, owner);
      b.append("<StorageClass>STANDARD</StorageClass></Version>");
    }
    for (String p : l.commonPrefixes()) {
      b.append("<CommonPrefixes><Prefix>").append(escape(enc.apply(p))).append("</Prefix></CommonPrefixes>");
    }
    return b.append("</ListVersionsResult>").toString();
  }

  /** GetBucketLocation: empty for us-east-1, as AWS answers. */
  static String location(String region) {
    return HEAD + "<LocationConstraint xmlns=\"" + NS + "\">" + ("us-east-1".equals(region) ? "" : escape(region))
        + "</LocationConstraint>";
  }

  /** GetBucketVersioning of a bucket that never had versioning: no Status. */
  static String versioning() {
    return HEAD + "<VersioningConfiguration xmlns=\"" + NS + "\"/>";
  }
}

package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What current S3 clients rely on, checked on the wire: system metadata and response-* overrides,
 * conditional reads and writes, CopyObject's metadata directive, digests, listing owners and
 * encodings, bucket location / versioning / versions, re-creating an owned bucket, virtual-host style.
 */
@Timeout(60)
class S3CompatibilityTest {
  static final String DOMAIN = "s3.cairn.test";
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(Map.of("s3.domain", DOMAIN), n -> node = n);

  /** A signed request; {@code host} null: 127.0.0.1:port (path style). Query values are given decoded. */
  static HttpResponse<String> send(String method, String host, String path, Map<String, String> query,
      Map<String, String> headers, byte[] body) throws Exception {
    String authority = "127.0.0.1:" + node.agent().s3Port();
    String signedHost = host == null ? authority : host;
    Map<String, List<String>> q = new TreeMap<>();
    query.forEach((k, v) -> q.put(k, List.of(v)));
    Map<String, String> signed = SigV4.sign(method, signedHost, path, q, headers, "UNSIGNED-PAYLOAD",
        TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY, "us-east-1", Instant.now());
    StringBuilder uri = new StringBuilder("http://" + authority + SigV4.uriEncode(path, false));
    String sep = "?";
    for (Map.Entry<String, String> e : query.entrySet()) {
      uri.append(sep).append(SigV4.uriEncode(e.getKey(), true)).append('=').append(SigV4.uriEncode(e.getValue(), true));
      sep = "&";
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri.toString())).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    signed.forEach((k, v) -> {
      if (!k.equalsIgnoreCase("host")) {
        b.header(k, v);
      }
    });
    headers.forEach((k, v) -> {
      if (!signed.containsKey(k.toLowerCase(java.util.Locale.ROOT))) {
        b.header(k, v);
      }
    });
    HttpRequest request = b.build();
    // the JDK client will not set Host itself; a virtual-host request goes over a raw socket
    return host == null ? TestNode.http().send(request, HttpResponse.BodyHandlers.ofString())
        : RawHttp.send(request, host, body);
  }

  static HttpResponse<String> send(String method, String path, Map<String, String> headers, byte[] body)
      throws Exception {
    return send(method, null, path, Map.of(), headers, body);
  }

  static Map<String, String> headers(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static void bucket(String name) throws Exception {
    assertThat(send("PUT", "/" + name, Map.of(), null).statusCode()).isEqualTo(200);
  }

  @Test
  void systemAndUserMetadataAreKeptAndResponseParametersOverrideThem() throws Exception {
    bucket("meta");
    HttpResponse<String> put = send("PUT", "/meta/page.html", headers("Content-Type", "text/html",
        "Cache-Control", "max-age=60", "Content-Disposition", "inline", "Content-Encoding", "identity",
        "Content-Language", "fr", "Expires", "Wed, 21 Oct 2037 07:28:00 GMT", "x-amz-meta-Colour", "blue"),
        "<p>salut</p>".getBytes());
    assertThat(put.statusCode()).isEqualTo(200);
    for (String method : List.of("GET", "HEAD")) {
      HttpResponse<String> got = send(method, "/meta/page.html", Map.of(), null);
      assertThat(got.statusCode()).isEqualTo(200);
      assertThat(got.headers().firstValue("Content-Type")).hasValue("text/html");
      assertThat(got.headers().firstValue("Cache-Control")).hasValue("max-age=60");
      assertThat(got.headers().firstValue("Content-Disposition")).hasValue("inline");
      assertThat(got.headers().firstValue("Content-Encoding")).hasValue("identity");
      assertThat(got.headers().firstValue("Content-Language")).hasValue("fr");
      assertThat(got.headers().firstValue("Expires")).hasValue("Wed, 21 Oct 2037 07:28:00 GMT");
      assertThat(got.headers().firstValue("x-amz-meta-colour")).hasValue("blue");
    }
    HttpResponse<String> overridden = send("GET", null, "/meta/page.html", Map.of("response-content-type",
        "text/plain", "response-content-disposition", "attachment; filename=\"p.txt\"", "response-cache-control",
        "no-cache"), Map.of(), null);
    assertThat(overridden.headers().firstValue("Content-Type")).hasValue("text/plain");
    assertThat(overridden.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"p.txt\"");
    assertThat(overridden.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(overridden.body()).isEqualTo("<p>salut</p>");

    // CopyObject copies the metadata, or replaces all of it with REPLACE
    send("PUT", "/meta/copied", headers("x-amz-copy-source", "/meta/page.html"), null);
    HttpResponse<String> copied = send("HEAD", "/meta/copied", Map.of(), null);
    assertThat(copied.headers().firstValue("Cache-Control")).hasValue("max-age=60");
    assertThat(copied.headers().firstValue("x-amz-meta-colour")).hasValue("blue");
    send("PUT", "/meta/replaced", headers("x-amz-copy-source", "/meta/page.html", "x-amz-metadata-directive", "REPLACE",
        "Content-Type", "text/css", "x-amz-meta-shape", "round"), null);
    HttpResponse<String> replaced = send("HEAD", "/meta/replaced", Map.of(), null);
    assertThat(replaced.headers().firstValue("Content-Type")).hasValue("text/css");
    assertThat(replaced.headers().firstValue("Cache-Control")).isEmpty();
    assertThat(replaced.headers().firstValue("x-amz-meta-shape")).hasValue("round");
    assertThat(replaced.headers().firstValue("x-amz-meta-colour")).isEmpty();

    // onto itself without a metadata change: refused as S3 does; with REPLACE: allowed
    HttpResponse<String> self = send("PUT", "/meta/page.html", headers("x-amz-copy-source", "/meta/page.html"), null);
    assertThat(self.statusCode()).isEqualTo(400);
    assertThat(self.body()).contains("<Code>InvalidRequest</Code>");
    assertThat(send("PUT", "/meta/page.html", headers("x-amz-copy-source", "/meta/page.html",
        "x-amz-metadata-directive", "REPLACE", "Content-Type", "text/html; charset=utf-8"), null).statusCode())
        .isEqualTo(200);
    assertThat(send("HEAD", "/meta/page.html", Map.of(), null).headers().firstValue("Content-Type"))
        .hasValue("text/html; charset=utf-8");
  }

  @Test
  void conditionalReadsAnswer412And304AsS3Does() throws Exception {
    bucket("cond");
    HttpResponse<String> put = send("PUT", "/cond/o", Map.of(), "v1".getBytes());
    String etag = put.headers().firstValue("ETag").orElseThrow();
    String lastModified = send("HEAD", "/cond/o", Map.of(), null).headers().firstValue("Last-Modified").orElseThrow();
    DateTimeFormatter http = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    String before = http.format(Instant.now().minusSeconds(3600));
    String after = http.format(Instant.now().plusSeconds(3600));

    for (String method : List.of("GET", "HEAD")) {
      assertThat(send(method, "/cond/o", headers("If-Match", etag), null).statusCode()).isEqualTo(200);
      assertThat(send(method, "/cond/o", headers("If-Match", "\"0000\""), null).statusCode()).isEqualTo(412);
      assertThat(send(method, "/cond/o", headers("If-None-Match", etag), null).statusCode()).isEqualTo(304);
      assertThat(send(method, "/cond/o", headers("If-None-Match", "\"0000\""), null).statusCode()).isEqualTo(200);
      assertThat(send(method, "/cond/o", headers("If-Modified-Since", after), null).statusCode()).isEqualTo(304);
      assertThat(send(method, "/cond/o", headers("If-Modified-Since", lastModified), null).statusCode()).isEqualTo(304);
      assertThat(send(method, "/cond/o", headers("If-Modified-Since", before), null).statusCode()).isEqualTo(200);
      assertThat(send(method, "/cond/o", headers("If-Unmodified-Since", before), null).statusCode()).isEqualTo(412);
      assertThat(send(method, "/cond/o", headers("If-Unmodified-Since", after), null).statusCode()).isEqualTo(200);
      // If-Match that holds wins over a failing If-Unmodified-Since; If-None-Match over If-Modified-Since
      assertThat(send(method, "/cond/o", headers("If-Match", etag, "If-Unmodified-Since", before), null).statusCode())
          .isEqualTo(200);
      assertThat(send(method, "/cond/o", headers("If-None-Match", "\"0000\"", "If-Modified-Since", after), null)
          .statusCode()).isEqualTo(200);
    }
    HttpResponse<String> failed = send("GET", "/cond/o", headers("If-Match", "\"0000\""), null);
    assertThat(failed.body()).contains("<Code>PreconditionFailed</Code>");
    assertThat(send("GET", "/cond/o", headers("If-None-Match", etag), null).body()).isEmpty();
  }

  @Test
  void conditionalWritesCreateOnlyOrReplaceOnlyTheVersionRead() throws Exception {
    bucket("condw");
    assertThat(send("PUT", "/condw/once", headers("If-None-Match", "*"), "first".getBytes()).statusCode()).isEqualTo(200);
    HttpResponse<String> second = send("PUT", "/condw/once", headers("If-None-Match", "*"), "second".getBytes());
    assertThat(second.statusCode()).isEqualTo(412);
    assertThat(second.body()).contains("<Code>PreconditionFailed</Code>");
    assertThat(send("GET", "/condw/once", Map.of(), null).body()).isEqualTo("first");

    String etag = send("HEAD", "/condw/once", Map.of(), null).headers().firstValue("ETag").orElseThrow();
    assertThat(send("PUT", "/condw/once", headers("If-Match", "\"0000\""), "lost".getBytes()).statusCode()).isEqualTo(412);
    assertThat(send("PUT", "/condw/once", headers("If-Match", etag), "third".getBytes()).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/condw/once", Map.of(), null).body()).isEqualTo("third");
    assertThat(send("PUT", "/condw/missing", headers("If-Match", etag), "x".getBytes()).statusCode()).isEqualTo(404);
  }

  @Test
  void aMalformedContentMd5IsInvalidDigestAndAWrongOneBadDigest() throws Exception {
    bucket("digest");
    HttpResponse<String> malformed = send("PUT", "/digest/o", headers("Content-MD5", "not-base64!"), "x".getBytes());
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).contains("<Code>InvalidDigest</Code>");
    HttpResponse<String> shortDigest = send("PUT", "/digest/o", headers("Content-MD5", "AAAA"), "x".getBytes());
    assertThat(shortDigest.body()).contains("<Code>InvalidDigest</Code>");
    HttpResponse<String> wrong = send("PUT", "/digest/o", headers("Content-MD5", "AAAAAAAAAAAAAAAAAAAAAA=="),
        "x".getBytes());
    assertThat(wrong.statusCode()).isEqualTo(400);
    assertThat(wrong.body()).contains("<Code>BadDigest</Code>");
    assertThat(send("GET", "/digest/o", Map.of(), null).statusCode()).as("nothing stored").isEqualTo(404);
  }

  @Test
  void listingsShowOwnersAndEncodeKeysOnlyWhenAsked() throws Exception {
    bucket("lists");
    send("PUT", "/lists/a b+c", Map.of(), "1".getBytes());
    HttpResponse<String> v2 = send("GET", null, "/lists", Map.of("list-type", "2"), Map.of(), null);
    assertThat(v2.body()).contains("<Key>a b+c</Key>").doesNotContain("<Owner>");
    HttpResponse<String> v2Owner = send("GET", null, "/lists", Map.of("list-type", "2", "fetch-owner", "true"),
        Map.of(), null);
    assertThat(v2Owner.body()).contains("<Owner><ID>" + TestNode.ACCESS_KEY_ID + "</ID>");
    HttpResponse<String> v1 = send("GET", "/lists", Map.of(), null);
    assertThat(v1.body()).contains("<Owner><ID>").contains("<Key>a b+c</Key>");
    HttpResponse<String> encoded = send("GET", null, "/lists", Map.of("encoding-type", "url"), Map.of(), null);
    assertThat(encoded.body()).contains("<Key>a%20b%2Bc</Key>").contains("<EncodingType>url</EncodingType>");

    HttpResponse<String> versions = send("GET", null, "/lists", Map.of("versions", ""), Map.of(), null);
    assertThat(versions.statusCode()).isEqualTo(200);
    assertThat(versions.body()).contains("<ListVersionsResult").contains("<Key>a b+c</Key>")
        .contains("<VersionId>null</VersionId>").contains("<IsLatest>true</IsLatest>");
    HttpResponse<String> location = send("GET", null, "/lists", Map.of("location", ""), Map.of(), null);
    assertThat(location.body()).contains("<LocationConstraint").doesNotContain("us-east-1");
    HttpResponse<String> versioning = send("GET", null, "/lists", Map.of("versioning", ""), Map.of(), null);
    assertThat(versioning.body()).contains("<VersioningConfiguration").doesNotContain("<Status>");
    assertThat(send("GET", null, "/nope", Map.of("location", ""), Map.of(), null).statusCode()).isEqualTo(404);
  }

  @Test
  void aRetriedCompletionGetsTheSameAnswerAndMultipartKeepsMetadata() throws Exception {
    bucket("multi");
    HttpResponse<String> created = send("POST", null, "/multi/big", Map.of("uploads", ""),
        headers("Content-Type", "text/plain", "Cache-Control", "no-store", "x-amz-meta-origin", "test"), null);
    assertThat(created.statusCode()).isEqualTo(200);
    String uploadId = created.body().replaceAll("(?s).*<UploadId>(.*)</UploadId>.*", "$1");
    HttpResponse<String> part = send("PUT", null, "/multi/big", Map.of("partNumber", "1", "uploadId", uploadId),
        Map.of(), "only part".getBytes());
    String etag = part.headers().firstValue("ETag").orElseThrow();
    byte[] complete = ("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag
        + "</ETag></Part></CompleteMultipartUpload>").getBytes();
    HttpResponse<String> first = send("POST", null, "/multi/big", Map.of("uploadId", uploadId), Map.of(), complete);
    assertThat(first.statusCode()).isEqualTo(200);
    HttpResponse<String> retried = send("POST", null, "/multi/big", Map.of("uploadId", uploadId), Map.of(), complete);
    assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
    String objectEtag = first.body().replaceAll("(?s).*<ETag>(.*)</ETag>.*", "$1");
    assertThat(retried.body()).contains("<ETag>" + objectEtag + "</ETag>");
    HttpResponse<String> got = send("GET", "/multi/big", Map.of(), null);
    assertThat(got.body()).isEqualTo("only part");
    assertThat(got.headers().firstValue("Content-Type")).hasValue("text/plain");
    assertThat(got.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(got.headers().firstValue("x-amz-meta-origin")).hasValue("test");
    // once the object is replaced the upload is gone for good
    send("PUT", "/multi/big", Map.of(), "other".getBytes());
    HttpResponse<String> late = send("POST", null, "/multi/big", Map.of("uploadId", uploadId), Map.of(), complete);
    assertThat(late.statusCode()).isEqualTo(404);
    assertThat(late.body()).contains("<Code>NoSuchUpload</Code>");
  }

  @Test
  void creatingABucketYouAlreadyOwnIsFineInUsEast1() throws Exception {
    bucket("twice");
    HttpResponse<String> again = send("PUT", "/twice", Map.of(), null);
    assertThat(again.statusCode()).isEqualTo(200);
  }

  @Test
  void virtualHostStyleAddressesTheBucketByHostName() throws Exception {
    bucket("vhost");
    String host = "vhost." + DOMAIN + ":" + node.agent().s3Port();
    assertThat(send("PUT", host, "/k/ey", Map.of(), Map.of(), "hello".getBytes()).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/vhost/k/ey", Map.of(), null).body()).as("the same object, path style").isEqualTo("hello");
    HttpResponse<String> got = send("GET", host, "/k/ey", Map.of(), Map.of(), null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.body()).isEqualTo("hello");
    HttpResponse<String> listing = send("GET", host, "/", Map.of("list-type", "2"), Map.of(), null);
    assertThat(listing.body()).contains("<Name>vhost</Name>").contains("<Key>k/ey</Key>");
    // a host outside the domain is path style
    assertThat(send("GET", "127.0.0.1:" + node.agent().s3Port(), "/vhost/k/ey", Map.of(), Map.of(), null).body())
        .isEqualTo("hello");
  }
}

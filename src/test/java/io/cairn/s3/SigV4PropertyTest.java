package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.cairn.testing.SharedNode;
import io.cairn.testing.TestNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.quicktheories.core.Gen;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * SigV4 canonicalisation checked against an independent implementation, the AWS SDK's signer:
 * our client signs exactly as the SDK does, and the server accepts whatever the SDK signs (header
 * and presigned) for awkward keys, queries and header values, and refuses it once tampered with.
 */
class SigV4PropertyTest {
  static TestNode node;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(n -> node = n);

  /** Characters that stress encoding: reserved, space, '+', '%', '~', '=', '&', non-ASCII, a surrogate pair. */
  static final List<String> ALPHABET = List.of("a", "Z", "0", "9", "-", "_", ".", "~", " ", "+", "%", "=", "&", "?",
      "#", "!", "*", "'", "(", ")", ",", ";", ":", "@", "$", "[", "]", "^", "`", "{", "}", "|", "\\", "\"", "<", ">",
      "é", "ü", "日", "本", "😀", "/");
  static final AwsV4HttpSigner SDK = AwsV4HttpSigner.create();
  static final Instant NOW = Instant.parse("2026-11-25T10:11:12Z");
  static final String REGION = "us-east-1";

  static Gen<String> text(int min, int max) {
    return lists().of(integers().between(0, ALPHABET.size() - 1)).ofSizeBetween(min, max)
        .map(idx -> String.join("", idx.stream().map(ALPHABET::get).toList()));
  }

  /** Keys as S3 takes them: non-empty; no empty, "." or ".." segments, which HTTP stacks normalise away. */
  static Gen<String> keys() {
    return text(1, 24).assuming(k -> {
      for (String segment : k.split("/", -1)) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          return false;
        }
      }
      return true;
    });
  }

  static Gen<String> headerValues() {
    // printable ASCII with runs of spaces inside, which canonicalisation folds to one
    return lists().of(integers().between(0, 35)).ofSizeBetween(1, 20)
        .map(idx -> "v " + String.join("", idx.stream().map(ALPHABET::get).toList()).replaceAll("[^ -~]", "x") + "  end");
  }

  static SignedRequest sdkSign(SdkHttpRequest request, byte[] payload, boolean signPayload,
      AwsV4FamilyHttpSigner.AuthLocation location) {
    return SDK.sign(r -> r.request(request)
        .payload(ContentStreamProvider.fromByteArray(payload))
        .identity(AwsCredentialsIdentity.create(TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY))
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
        .putProperty(AwsV4HttpSigner.REGION_NAME, REGION)
        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
        .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, signPayload)
        .putProperty(AwsV4HttpSigner.AUTH_LOCATION, location)
        .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, location == AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING
            ? Duration.ofMinutes(5) : null)
        .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(location == AwsV4FamilyHttpSigner.AuthLocation.HEADER
            && request.port() == 7701 ? NOW : Instant.now(), ZoneOffset.UTC)));
  }

  @Test
  void ourClientSignsExactlyAsTheAwsSdkDoes() {
    qt().withExamples(500).forAll(keys(), text(0, 8).zip(text(0, 8), List::of), headerValues(), integers().between(0, 3))
        .checkAssert((key, queryPair, meta, m) -> {
          String queryKey = queryPair.get(0);
          String queryValue = queryPair.get(1);
          String method = List.of("GET", "PUT", "DELETE", "HEAD").get(m);
          String path = "/bucket/" + key;
          Map<String, List<String>> query = new TreeMap<>();
          if (!queryKey.isEmpty()) {
            query.put(queryKey, List.of(queryValue));
          }
          query.put("list-type", List.of("2"));
          Map<String, String> headers = Map.of("x-amz-meta-note", meta, "content-type", "text/plain");
          SdkHttpRequest.Builder sdk = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).protocol("http")
              .host("127.0.0.1").port(7701).encodedPath(SdkHttpUtils.urlEncodeIgnoreSlashes(path));
          query.forEach(sdk::putRawQueryParameter);
          headers.forEach(sdk::putHeader);
          SdkHttpRequest signed = sdkSign(sdk.build(), new byte[0], false, AwsV4FamilyHttpSigner.AuthLocation.HEADER)
              .request();
          String theirs = signed.firstMatchingHeader("Authorization").orElseThrow();
          // over plain http the SDK signs the payload hash whatever it is told; sign the same one
          String payloadHash = signed.firstMatchingHeader("x-amz-content-sha256").orElseThrow();
          String ours = SigV4.sign(method, "127.0.0.1:7701", path, query, headers, payloadHash,
              TestNode.ACCESS_KEY_ID, TestNode.SECRET_ACCESS_KEY, REGION, NOW).get("Authorization");
          assertThat(ours).isEqualTo(theirs);
        });
  }

  @BeforeAll
  static void bucket() throws Exception {
    assertThat(send(signed(SdkHttpMethod.PUT, "/sigv4-prop", Map.of(), Map.of(), new byte[0], true)).statusCode())
        .isEqualTo(200);
  }

  static SdkHttpRequest signed(SdkHttpMethod method, String path, Map<String, String> query, Map<String, String> headers,
      byte[] body, boolean signPayload) {
    // signed as if for https, where the SDK honours PAYLOAD_SIGNING_ENABLED (over http it always signs the
    // payload); sent over plain http
    SdkHttpRequest.Builder b = SdkHttpRequest.builder().method(method).protocol(signPayload ? "http" : "https")
        .host("127.0.0.1")
        .port(node.agent().s3Port()).encodedPath(SdkHttpUtils.urlEncodeIgnoreSlashes(path));
    query.forEach(b::putRawQueryParameter);
    headers.forEach(b::putHeader);
    return sdkSign(b.build(), body, signPayload, AwsV4FamilyHttpSigner.AuthLocation.HEADER).request();
  }

  static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");

  static HttpResponse<byte[]> send(SdkHttpRequest r) throws Exception {
    return send(r, new byte[0]);
  }

  static HttpResponse<byte[]> send(SdkHttpRequest r, byte[] body) throws Exception {
    URI uri = URI.create(r.getUri().toString().replaceFirst("^https:", "http:"));
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(r.method().name(),
        body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    r.headers().forEach((k, vs) -> {
      if (!RESTRICTED.contains(k.toLowerCase(java.util.Locale.ROOT))) {
        vs.forEach(v -> b.header(k, v));
      }
    });
    return TestNode.http().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void theServerAcceptsWhatTheSdkSignsAndRefusesItTamperedWith() {
    qt().withExamples(60).forAll(keys(), headerValues(), booleans().all(), integers().between(0, 1_000))
        .checkAssert((key, meta, signPayload, length) -> {
          try {
            byte[] body = new byte[length];
            java.util.Arrays.fill(body, (byte) 'k');
            String path = "/sigv4-prop/" + key;
            SdkHttpRequest put = signed(SdkHttpMethod.PUT, path, Map.of(), Map.of("x-amz-meta-note", meta), body,
                signPayload);
            HttpResponse<byte[]> stored = send(put, body);
            assertThat(stored.statusCode()).as(new String(stored.body(), StandardCharsets.UTF_8)).isEqualTo(200);

            HttpResponse<byte[]> listed = send(signed(SdkHttpMethod.GET, "/sigv4-prop",
                Map.of("list-type", "2", "prefix", key), Map.of(), new byte[0], signPayload));
            assertThat(listed.statusCode()).as(new String(listed.body(), StandardCharsets.UTF_8)).isEqualTo(200);
            assertThat(new String(listed.body(), StandardCharsets.UTF_8)).contains("<Key>" + xml(key) + "</Key>");

            SdkHttpRequest presign = SdkHttpRequest.builder().method(SdkHttpMethod.GET).protocol("https")
                .host("127.0.0.1").port(node.agent().s3Port()).encodedPath(SdkHttpUtils.urlEncodeIgnoreSlashes(path))
                .build();
            SdkHttpRequest presigned = sdkSign(presign, new byte[0], false, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                .request();
            HttpResponse<byte[]> fetched = send(presigned);
            assertThat(fetched.statusCode()).as("presigned GET: %s", new String(fetched.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
            assertThat(fetched.body()).isEqualTo(body);

            // the same signature over a changed header value must not pass
            SdkHttpRequest tampered = put.toBuilder().putHeader("x-amz-meta-note", meta + "!").build();
            HttpResponse<byte[]> refused = send(tampered, body);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("<Code>SignatureDoesNotMatch</Code>");
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
  }

  static String xml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&apos;");
  }
}

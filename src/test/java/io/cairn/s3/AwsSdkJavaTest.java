package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.testing.SharedNode;
import io.cairn.testing.TestDomainResolver;
import io.cairn.testing.TestNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The current AWS SDK for Java v2 against Cairn with its default settings (flexible checksums on:
 * every upload carries a CRC32 in an aws-chunked trailer), and with each checksum algorithm asked
 * for explicitly: single and multipart uploads, checksum-validated downloads, metadata, conditional
 * requests, copies, listings.
 */
@Timeout(120)
class AwsSdkJavaTest {
  static TestNode node;
  static S3Client s3;

  @RegisterExtension
  static final SharedNode SHARED = new SharedNode(Map.of("s3.domain", "s3." + TestDomainResolver.DOMAIN),
      n -> node = n);

  @BeforeAll
  static void client() {
    s3 = S3Client.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + node.agent().s3Port()))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(TestNode.ACCESS_KEY_ID,
            TestNode.SECRET_ACCESS_KEY)))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  @AfterAll
  static void close() {
    if (s3 != null) {
      s3.close();
    }
  }

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void virtualHostStyleAddressing() {
    s3.createBucket(b -> b.bucket("sdk-vhost"));
    // the bucket goes in the host name: sdk-vhost.s3.cairn.test, which the test resolver sends to loopback
    java.util.Set<String> hosts = java.util.concurrent.ConcurrentHashMap.newKeySet();
    software.amazon.awssdk.core.interceptor.ExecutionInterceptor recordHost =
        new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
          @Override
          public void beforeTransmission(software.amazon.awssdk.core.interceptor.Context.BeforeTransmission context,
              software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
            hosts.add(context.httpRequest().host());
          }
        };
    try (S3Client byHost = S3Client.builder()
        .overrideConfiguration(c -> c.addExecutionInterceptor(recordHost))
        .endpointOverride(URI.create("http://s3." + TestDomainResolver.DOMAIN + ":" + node.agent().s3Port()))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(TestNode.ACCESS_KEY_ID,
            TestNode.SECRET_ACCESS_KEY)))
        .httpClient(UrlConnectionHttpClient.create())
        .build()) {
      byte[] data = bytes(70_000, 9);
      byHost.putObject(b -> b.bucket("sdk-vhost").key("dir/by-host").contentType("application/x-test"),
          RequestBody.fromBytes(data));
      var got = byHost.getObjectAsBytes(b -> b.bucket("sdk-vhost").key("dir/by-host").checksumMode(ChecksumMode.ENABLED));
      assertThat(got.asByteArray()).isEqualTo(data);
      assertThat(got.response().contentType()).isEqualTo("application/x-test");
      assertThat(byHost.listObjectsV2(b -> b.bucket("sdk-vhost").prefix("dir/")).contents())
          .extracting(software.amazon.awssdk.services.s3.model.S3Object::key).containsExactly("dir/by-host");
      byHost.deleteObject(b -> b.bucket("sdk-vhost").key("dir/by-host"));
    }
    assertThat(hosts).containsExactly("sdk-vhost.s3." + TestDomainResolver.DOMAIN);
    assertThat(s3.listObjectsV2(b -> b.bucket("sdk-vhost")).contents()).as("seen the same by path").isEmpty();
  }

  @Test
  void uploadsWithEachChecksumAlgorithmAreVerifiedKeptAndReturned() {
    s3.createBucket(b -> b.bucket("sdk-sums"));
    byte[] data = bytes(300_000, 1);
    // the default: the SDK picks CRC32 and sends it in the trailer
    s3.putObject(p -> p.bucket("sdk-sums").key("default"), RequestBody.fromBytes(data));
    // CRC64NVME needs the SDK's native aws-crt module; S3ChecksumTrailerTest covers it on the wire
    for (ChecksumAlgorithm algorithm : List.of(ChecksumAlgorithm.CRC32, ChecksumAlgorithm.CRC32_C,
        ChecksumAlgorithm.SHA1, ChecksumAlgorithm.SHA256)) {
      String key = "with-" + algorithm;
      s3.putObject(p -> p.bucket("sdk-sums").key(key).checksumAlgorithm(algorithm), RequestBody.fromBytes(data));
      // checksum mode: the SDK validates the body against the checksum Cairn returns
      ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(g -> g.bucket("sdk-sums").key(key)
          .checksumMode(ChecksumMode.ENABLED));
      assertThat(got.asByteArray()).isEqualTo(data);
      GetObjectResponse r = got.response();
      String returned = switch (algorithm) {
        case CRC32 -> r.checksumCRC32();
        case CRC32_C -> r.checksumCRC32C();
        case SHA1 -> r.checksumSHA1();
        case SHA256 -> r.checksumSHA256();
        default -> null;
      };
      assertThat(returned).as(algorithm.toString()).isNotNull();
    }
    HeadObjectResponse head = s3.headObject(h -> h.bucket("sdk-sums").key("default").checksumMode(ChecksumMode.ENABLED));
    assertThat(head.checksumCRC32()).isNotNull();
    assertThat(head.contentLength()).isEqualTo(data.length);
  }

  @Test
  void multipartUploadsWithChecksums() {
    s3.createBucket(b -> b.bucket("sdk-multi"));
    String uploadId = s3.createMultipartUpload(c -> c.bucket("sdk-multi").key("big").contentType("application/x-test")
        .checksumAlgorithm(ChecksumAlgorithm.CRC32_C).metadata(Map.of("origin", "sdk"))).uploadId();
    List<CompletedPart> parts = new ArrayList<>();
    List<byte[]> pieces = List.of(bytes(5 << 20, 2), bytes(1 << 20, 3));
    for (int i = 0; i < pieces.size(); i++) {
      int number = i + 1;
      var part = s3.uploadPart(u -> u.bucket("sdk-multi").key("big").uploadId(uploadId).partNumber(number)
          .checksumAlgorithm(ChecksumAlgorithm.CRC32_C), RequestBody.fromBytes(pieces.get(i)));
      parts.add(CompletedPart.builder().partNumber(number).eTag(part.eTag()).checksumCRC32C(part.checksumCRC32C())
          .build());
    }
    var completed = s3.completeMultipartUpload(c -> c.bucket("sdk-multi").key("big").uploadId(uploadId)
        .multipartUpload(m -> m.parts(parts)));
    // S3's composite checksum: CRC32C of the parts' CRC32C bytes, then "-" and the part count
    java.util.zip.CRC32C ofParts = new java.util.zip.CRC32C();
    parts.forEach(p -> ofParts.update(java.util.Base64.getDecoder().decode(p.checksumCRC32C())));
    String composite = java.util.Base64.getEncoder().encodeToString(
        java.nio.ByteBuffer.allocate(4).putInt((int) ofParts.getValue()).array()) + "-2";
    assertThat(completed.checksumCRC32C()).isEqualTo(composite);
    assertThat(s3.headObject(h -> h.bucket("sdk-multi").key("big").checksumMode(ChecksumMode.ENABLED))
        .checksumCRC32C()).isEqualTo(composite);
    byte[] got = s3.getObjectAsBytes(g -> g.bucket("sdk-multi").key("big").checksumMode(ChecksumMode.ENABLED))
        .asByteArray();
    assertThat(got).hasSize((5 << 20) + (1 << 20));
    assertThat(java.util.Arrays.copyOfRange(got, 5 << 20, got.length)).isEqualTo(pieces.get(1));
    HeadObjectResponse head = s3.headObject(h -> h.bucket("sdk-multi").key("big"));
    assertThat(head.contentType()).isEqualTo("application/x-test");
    assertThat(head.metadata()).containsEntry("origin", "sdk");
    assertThat(head.eTag()).endsWith("-2\"");
  }

  @Test
  void partsCopiedFromObjectsWholeOrByRangeAndAPartUploadedTwice() {
    s3.createBucket(b -> b.bucket("sdk-copy"));
    byte[] single = bytes(6 << 20, 4);
    s3.putObject(p -> p.bucket("sdk-copy").key("single"), RequestBody.fromBytes(single));
    byte[] tail = bytes(3000, 5);
    s3.putObject(p -> p.bucket("sdk-copy").key("tail"), RequestBody.fromBytes(tail));
    String uploadId = s3.createMultipartUpload(c -> c.bucket("sdk-copy").key("joined")).uploadId();
    // a whole single-part source: its chunks are shared, its ETag is the part's
    var whole = s3.uploadPartCopy(u -> u.sourceBucket("sdk-copy").sourceKey("single").destinationBucket("sdk-copy")
        .destinationKey("joined").uploadId(uploadId).partNumber(1));
    assertThat(whole.copyPartResult().eTag()).isEqualTo(s3.headObject(h -> h.bucket("sdk-copy").key("single")).eTag());
    // part 2 uploaded twice: the one that finished last counts
    s3.uploadPart(u -> u.bucket("sdk-copy").key("joined").uploadId(uploadId).partNumber(2),
        RequestBody.fromString("first try", StandardCharsets.UTF_8));
    var ranged = s3.uploadPartCopy(u -> u.sourceBucket("sdk-copy").sourceKey("tail").destinationBucket("sdk-copy")
        .destinationKey("joined").uploadId(uploadId).partNumber(2).copySourceRange("bytes=100-1099"));
    s3.completeMultipartUpload(c -> c.bucket("sdk-copy").key("joined").uploadId(uploadId)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(whole.copyPartResult().eTag()).build(),
            CompletedPart.builder().partNumber(2).eTag(ranged.copyPartResult().eTag()).build())));
    byte[] got = s3.getObjectAsBytes(g -> g.bucket("sdk-copy").key("joined")).asByteArray();
    byte[] expected = new byte[single.length + 1000];
    System.arraycopy(single, 0, expected, 0, single.length);
    System.arraycopy(tail, 100, expected, single.length, 1000);
    assertThat(got).isEqualTo(expected);

    // a range of a multipart source, across its parts
    String second = s3.createMultipartUpload(c -> c.bucket("sdk-copy").key("from-multi")).uploadId();
    long from = (6 << 20) - 10;
    var across = s3.uploadPartCopy(u -> u.sourceBucket("sdk-copy").sourceKey("joined").destinationBucket("sdk-copy")
        .destinationKey("from-multi").uploadId(second).partNumber(1).copySourceRange("bytes=" + from + "-"
            + (from + 19)));
    s3.completeMultipartUpload(c -> c.bucket("sdk-copy").key("from-multi").uploadId(second)
        .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(across.copyPartResult().eTag())
            .build())));
    assertThat(s3.getObjectAsBytes(g -> g.bucket("sdk-copy").key("from-multi")).asByteArray())
        .isEqualTo(java.util.Arrays.copyOfRange(expected, (int) from, (int) from + 20));
    String third = s3.createMultipartUpload(c -> c.bucket("sdk-copy").key("bad-range")).uploadId();
    assertThatThrownBy(() -> s3.uploadPartCopy(u -> u.sourceBucket("sdk-copy").sourceKey("tail")
        .destinationBucket("sdk-copy").destinationKey("bad-range").uploadId(third).partNumber(1)
        .copySourceRange("bytes=0-5000")))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(400));
  }

  @Test
  void metadataConditionsCopiesAndListings() {
    s3.createBucket(b -> b.bucket("sdk-meta"));
    s3.putObject(p -> p.bucket("sdk-meta").key("doc.txt").contentType("text/plain; charset=utf-8")
        .cacheControl("max-age=5").contentDisposition("attachment").contentLanguage("en")
        .metadata(Map.of("k", "v")), RequestBody.fromString("hello", StandardCharsets.UTF_8));
    HeadObjectResponse head = s3.headObject(h -> h.bucket("sdk-meta").key("doc.txt"));
    assertThat(head.contentType()).isEqualTo("text/plain; charset=utf-8");
    assertThat(head.cacheControl()).isEqualTo("max-age=5");
    assertThat(head.contentDisposition()).isEqualTo("attachment");
    assertThat(head.contentLanguage()).isEqualTo("en");
    assertThat(head.contentEncoding()).as("aws-chunked is the wire framing, not the object's encoding").isNull();
    assertThat(head.metadata()).containsEntry("k", "v");

    GetObjectResponse overridden = s3.getObject(g -> g.bucket("sdk-meta").key("doc.txt")
        .responseContentType("application/octet-stream")).response();
    assertThat(overridden.contentType()).isEqualTo("application/octet-stream");

    assertThatThrownBy(() -> s3.getObject(g -> g.bucket("sdk-meta").key("doc.txt").ifNoneMatch(head.eTag())))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(304));
    assertThatThrownBy(() -> s3.getObject(g -> g.bucket("sdk-meta").key("doc.txt").ifMatch("\"nope\"")))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
    assertThatThrownBy(() -> s3.putObject(p -> p.bucket("sdk-meta").key("doc.txt").ifNoneMatch("*"),
        RequestBody.fromString("again", StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));

    s3.copyObject(c -> c.sourceBucket("sdk-meta").sourceKey("doc.txt").destinationBucket("sdk-meta")
        .destinationKey("copy.txt"));
    assertThat(s3.headObject(h -> h.bucket("sdk-meta").key("copy.txt")).cacheControl()).isEqualTo("max-age=5");
    assertThatThrownBy(() -> s3.copyObject(c -> c.sourceBucket("sdk-meta").sourceKey("doc.txt")
        .destinationBucket("sdk-meta").destinationKey("doc.txt")))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.awsErrorDetails().errorCode())
            .isEqualTo("InvalidRequest"));

    var listing = s3.listObjectsV2(l -> l.bucket("sdk-meta").fetchOwner(true));
    assertThat(listing.contents()).extracting(o -> o.key()).containsExactly("copy.txt", "doc.txt");
    assertThat(listing.contents().get(0).owner().id()).isEqualTo(TestNode.ACCESS_KEY_ID);
    assertThat(s3.listObjectVersions(v -> v.bucket("sdk-meta")).versions()).hasSize(2);
    assertThat(s3.getBucketVersioning(v -> v.bucket("sdk-meta")).status()).isNull();
    assertThat(s3.getBucketLocation(l -> l.bucket("sdk-meta")).locationConstraintAsString()).isEmpty();
  }
}

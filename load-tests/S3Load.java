// S3 load generator for load-tests/s3-throughput.sh: PUTs then GETs N objects of SIZE bytes with C
// concurrent requests, signing with SigV4 (UNSIGNED-PAYLOAD, so the client spends nothing hashing),
// and prints MiB/s. With "plain" as the access key it sends unsigned GETs (for the nginx baseline).
// java -cp target/cairn.jar load-tests/S3Load.java ENDPOINT BUCKET ACCESS SECRET SIZE COUNT CONCURRENCY put|get
import io.cairn.s3.SigV4;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class S3Load {
  static final DateTimeFormatter AMZ = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  public static void main(String[] a) throws Exception {
    String endpoint = a[0], bucket = a[1], access = a[2], secret = a[3], mode = a[7];
    int size = Integer.parseInt(a[4]), count = Integer.parseInt(a[5]), concurrency = Integer.parseInt(a[6]);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    byte[] body = new byte[size];
    new Random(42).nextBytes(body);
    Semaphore slots = new Semaphore(concurrency);
    List<CompletableFuture<?>> all = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < count; i++) {
      String path = "/" + bucket + "/obj-" + size + "-" + i;
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint + path));
      if (mode.equals("put")) {
        b.PUT(HttpRequest.BodyPublishers.ofByteArray(body));
      } else {
        b.GET();
      }
      if (!access.equals("plain")) {
        sign(b, mode.equals("put") ? "PUT" : "GET", URI.create(endpoint), path, access, secret);
      }
      slots.acquire();
      all.add(http.sendAsync(b.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
        slots.release();
        if (e != null || r.statusCode() != 200) {
          System.err.println("request failed: " + (e != null ? e : r.statusCode()));
          System.exit(1);
        }
      }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("%.1f%n", (double) size * count / (1 << 20) / seconds);
  }

  static void sign(HttpRequest.Builder b, String method, URI endpoint, String path, String access, String secret)
      throws Exception {
    String amzDate = AMZ.format(Instant.now());
    String date = amzDate.substring(0, 8);
    String host = endpoint.getHost() + ":" + endpoint.getPort();
    String signed = "host;x-amz-content-sha256;x-amz-date";
    String canonical = method + "\n" + SigV4.uriEncode(path, false) + "\n\nhost:" + host
        + "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:" + amzDate + "\n\n" + signed + "\nUNSIGNED-PAYLOAD";
    String scope = date + "/us-east-1/s3/aws4_request";
    String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SigV4.signingKey(secret, date, "us-east-1"), "HmacSHA256"));
    String signature = HexFormat.of().formatHex(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
    b.header("x-amz-date", amzDate).header("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
        .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + access + "/" + scope + ", SignedHeaders=" + signed
            + ", Signature=" + signature);
  }
}

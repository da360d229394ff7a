// Baseline for load-tests/s3-throughput.sh: how fast this JVM computes a digest (MiB/s), 4 MiB at a
// time. Argument: the algorithm (SHA-256, MD5, ...); an object PUT needs both: MD5 for the ETag,
// SHA-256 for chunk names.
import java.security.MessageDigest;
import java.util.Random;

public class DigestSpeed {
  public static void main(String[] a) throws Exception {
    byte[] chunk = new byte[4 << 20];
    new Random(1).nextBytes(chunk);
    MessageDigest digest = MessageDigest.getInstance(a.length > 0 ? a[0] : "SHA-256");
    for (int i = 0; i < 32; i++) {
      digest.update(chunk); // warm-up
    }
    int rounds = 128;
    long t = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      digest.update(chunk);
    }
    digest.digest();
    System.out.printf("%.1f%n", rounds * 4.0 / ((System.nanoTime() - t) / 1e9));
  }
}

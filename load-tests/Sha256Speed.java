// Baseline for load-tests/s3-throughput.sh: how fast this JVM hashes with SHA-256 (MiB/s), 4 MiB at a time.
import java.security.MessageDigest;
import java.util.Random;

public class Sha256Speed {
  public static void main(String[] a) throws Exception {
    byte[] chunk = new byte[4 << 20];
    new Random(1).nextBytes(chunk);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < 32; i++) {
      sha.update(chunk); // warm-up
    }
    int rounds = 128;
    long t = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      sha.update(chunk);
    }
    sha.digest();
    System.out.printf("%.1f%n", rounds * 4.0 / ((System.nanoTime() - t) / 1e9));
  }
}

package io.cairn.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real, small file system (tmpfs) for disk-full tests, mounted under /tmp; needs root (the test
 * is skipped otherwise). {@link #fill()} takes all free space with a filler file, {@link #free()}
 * gives it back.
 */
public final class SmallDisk implements AutoCloseable {
  private final Path mount;
  private final Path filler;

  private SmallDisk(Path mount) {
    this.mount = mount;
    this.filler = mount.resolve("filler");
  }

  public static boolean available() {
    return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/bin/mount"));
  }

  public static SmallDisk mount(long megabytes) throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "cairn-smalldisk-");
    run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString());
    return new SmallDisk(dir);
  }

  public Path path() {
    return mount;
  }

  /** Writes a filler file until the file system is full. */
  public void fill() throws IOException {
    byte[] block = new byte[64 * 1024];
    try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
      f.seek(f.length());
      while (true) {
        f.write(block);
      }
    } catch (IOException full) {
      if (full.getMessage() == null || !full.getMessage().contains("No space left")) {
        throw full;
      }
    }
  }

  public void free() throws IOException {
    Files.deleteIfExists(filler);
  }

  @Override
  public void close() throws Exception {
    run("umount", "-l", mount.toString());
    Files.deleteIfExists(mount);
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }
}

package io.cairn.objects;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a chunk file durably: into a temp file beside it, fsynced, renamed into place, its directory
 * fsynced. Where the file system allows it the temp file is written with O_DIRECT from an aligned
 * buffer, as MinIO writes its shards: a buffered write first copies every byte into the page
 * cache, which on the VMs we run on cost more CPU than hashing the chunk, and the chunk is read
 * back far less often than it is written. Elsewhere (tmpfs, some overlay file systems) it falls
 * back to a buffered write. Blocking: worker threads only.
 */
final class ChunkFiles {
  private static final Set<OpenOption> BUFFERED = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  private static final Set<OpenOption> DIRECT = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
      com.sun.nio.file.ExtendedOpenOption.DIRECT);
  /** Temp files end so; one left by a crash is deleted at the next start. */
  static final String TEMP_SUFFIX = ".part";
  /** The O_DIRECT alignment of the temp directory's file system, or 0 when it has no O_DIRECT. */
  private final int alignment;
  /** Each chunk worker's aligned buffer, grown to the largest chunk it wrote. */
  private final ThreadLocal<ByteBuffer> aligned = new ThreadLocal<>();

  /** {@code probeDir}: a directory on the chunks' file system, where O_DIRECT is tried once. */
  ChunkFiles(Path probeDir) {
    this(probeDir, true);
  }

  /** {@code tryDirect} false: buffered writes only (tests cover both ways). */
  ChunkFiles(Path probeDir, boolean tryDirect) {
    this.alignment = tryDirect ? directAlignment(probeDir) : 0;
  }

  boolean direct() {
    return alignment > 0;
  }

  /**
   * Stores {@code parts} (header, payload) as {@code target}. False when the target appeared
   * meanwhile (another writer stored the same chunk: the content is the same by its name).
   */
  boolean write(Path target, ByteBuffer... parts) throws IOException {
    Path parent = target.getParent();
    if (!Files.isDirectory(parent)) {
      io.cairn.node.PrivateFiles.createDirectories(parent);
    }
    // beside its target: a rename within one directory, and new inodes spread over the chunk
    // directories' block groups instead of all taken from one temp directory's
    Path temp = parent.resolve(target.getFileName().toString().substring(0, 8) + "-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
    try {
      if (alignment > 0) {
        writeDirect(temp, parts);
      } else {
        writeBuffered(temp, parts);
      }
      if (Files.exists(target)) {
        return false;
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
        return false;
      }
      syncDirectory(parent);
      return true;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void writeBuffered(Path temp, ByteBuffer[] parts) throws IOException {
    try (FileChannel ch = FileChannel.open(temp, BUFFERED, io.cairn.node.PrivateFiles.fileMode())) {
      while (java.util.Arrays.stream(parts).anyMatch(ByteBuffer::hasRemaining)) {
        ch.write(parts);
      }
      ch.force(true);
    }
  }

  /** O_DIRECT needs whole aligned blocks from aligned memory: write the padded length, then cut the padding off. */
  private void writeDirect(Path temp, ByteBuffer[] parts) throws IOException {
    long length = 0;
    for (ByteBuffer p : parts) {
      length += p.remaining();
    }
    int padded = (int) ((length + alignment - 1) / alignment * alignment);
    ByteBuffer buffer = aligned.get();
    if (buffer == null || buffer.capacity() < padded) {
      buffer = ByteBuffer.allocateDirect(padded + alignment).alignedSlice(alignment);
      aligned.set(buffer);
    }
    buffer.clear();
    for (ByteBuffer p : parts) {
      buffer.put(p);
    }
    while (buffer.position() < padded) {
      buffer.put((byte) 0);
    }
    buffer.flip();
    try (FileChannel ch = FileChannel.open(temp, DIRECT, io.cairn.node.PrivateFiles.fileMode())) {
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.truncate(length);
      ch.force(true);
    }
  }

  /** A rename is durable only once its directory entry is flushed too. */
  static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some file systems refuse to open directories; the data itself is already synced
    }
  }

  /** Tries one aligned O_DIRECT write in {@code dir}: its block size if that works, else 0. */
  private static int directAlignment(Path dir) {
    Path probe = dir.resolve("direct-io-probe-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    try {
      int block = (int) Math.max(512, Math.min(1 << 16, Files.getFileStore(dir).getBlockSize()));
      ByteBuffer buffer = ByteBuffer.allocateDirect(2 * block).alignedSlice(block);
      buffer.limit(block);
      try (FileChannel ch = FileChannel.open(probe, DIRECT, io.cairn.node.PrivateFiles.fileMode())) {
        ch.write(buffer);
      }
      return block;
    } catch (IOException | UnsupportedOperationException e) {
      return 0;
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException ignored) {
        // a leftover probe is cleared with the other temp files at the next start
      }
    }
  }
}

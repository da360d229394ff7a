package io.cairn.runtime;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Each instance's stdout and stderr end in append-mode files here, written by {@link LogPumps} from
 * the instance's named pipes (which survive an agent restart). Rotation copies then truncates, which
 * is safe for O_APPEND writers. Blocking: worker threads only.
 */
public final class LogFiles {
  private final Path root;
  private final long maxFileBytes;
  private final int maxFiles;

  public LogFiles(Path root, long maxFileBytes, int maxFiles) {
    this.root = root;
    this.maxFileBytes = maxFileBytes;
    this.maxFiles = maxFiles;
  }

  public record Pair(Path stdout, Path stderr) {}

  public enum Stream { stdout, stderr }

  public Path file(String workload, String instanceId, Stream stream) {
    return root.resolve(workload).resolve(instanceId + "." + stream + ".log");
  }

  public Pair prepare(String workload, String instanceId) {
    try {
      io.cairn.node.PrivateFiles.createDirectories(root.resolve(workload));
      // created here with the owner-only mode: the pumps and redirects that append to them only open them
      for (Stream s : Stream.values()) {
        Path f = file(workload, instanceId, s);
        if (!Files.exists(f)) {
          Files.createFile(f, io.cairn.node.PrivateFiles.fileMode());
        }
      }
    } catch (java.nio.file.FileAlreadyExistsException raced) {
      // an adopted instance's files: already there
    } catch (IOException e) {
      throw new CairnException(ErrorCode.INTERNAL, "cannot create log directory: " + e.getMessage());
    }
    return new Pair(file(workload, instanceId, Stream.stdout), file(workload, instanceId, Stream.stderr));
  }

  /** Rotates the file if it has grown past the cap: file.N dropped, file.k -> file.k+1, copy to .1, truncate. */
  public void rotateIfNeeded(Path file) throws IOException {
    if (!Files.exists(file) || Files.size(file) <= maxFileBytes) {
      return;
    }
    Files.deleteIfExists(rotated(file, maxFiles));
    for (int i = maxFiles - 1; i >= 1; i--) {
      if (Files.exists(rotated(file, i))) {
        Files.move(rotated(file, i), rotated(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.copy(file, rotated(file, 1), StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(0);
    }
  }

  /** Every current log file under the root, for the rotation sweep. */
  public List<Path> currentFiles() throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (var walk = Files.walk(root, 2)) {
      return walk.filter(p -> p.toString().endsWith(".log")).toList();
    }
  }

  public void deleteWorkload(String workload) throws IOException {
    Path dir = root.resolve(workload);
    if (Files.isDirectory(dir)) {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  static Path rotated(Path file, int n) {
    return file.resolveSibling(file.getFileName() + "." + n);
  }

  /** The last {@code n} lines of a stream, reaching into rotated files when the current one is short. */
  public List<String> tail(Path file, int n) throws IOException {
    Deque<String> lines = new ArrayDeque<>();
    for (int i = 0; i <= maxFiles && lines.size() < n; i++) {
      Path p = i == 0 ? file : rotated(file, i);
      if (!Files.exists(p)) {
        continue;
      }
      List<String> fromFile = lastLines(p, n - lines.size());
      for (int j = fromFile.size() - 1; j >= 0; j--) {
        lines.addFirst(fromFile.get(j));
      }
    }
    return new ArrayList<>(lines);
  }

  /** Reads backwards in blocks until enough newlines are seen, so a tail never reads a whole file. */
  private static List<String> lastLines(Path file, int n) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long end = raf.length();
      long start = end;
      int block = 8192;
      int newlines = 0;
      byte[] buf = new byte[block];
      while (start > 0 && newlines <= n) {
        int len = (int) Math.min(block, start);
        start -= len;
        raf.seek(start);
        raf.readFully(buf, 0, len);
        for (int i = 0; i < len; i++) {
          if (buf[i] == '\n') {
            newlines++;
          }
        }
      }
      byte[] tail = new byte[(int) (end - start)];
      raf.seek(start);
      raf.readFully(tail);
      String text = new String(tail, StandardCharsets.UTF_8);
      List<String> all = new ArrayList<>(List.of(text.split("\n", -1)));
      if (!all.isEmpty() && all.get(all.size() - 1).isEmpty()) {
        all.remove(all.size() - 1);
      }
      if (start > 0 && !all.isEmpty()) {
        all.remove(0); // first line is partial
      }
      return all.subList(Math.max(0, all.size() - n), all.size());
    }
  }

  /** Bytes appended since {@code position}; after a truncation (rotation) reading restarts at 0. */
  public record Read(byte[] bytes, long nextPosition) {}

  public Read readFrom(Path file, long position, int maxBytes) throws IOException {
    if (!Files.exists(file)) {
      return new Read(new byte[0], 0);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long from = size < position ? 0 : position;
      int len = (int) Math.min(maxBytes, size - from);
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(len);
      while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
        // keep reading until the slice is full
      }
      return new Read(buf.array(), from + len);
    }
  }

  public long size(Path file) throws IOException {
    return Files.exists(file) ? Files.size(file) : 0;
  }
}

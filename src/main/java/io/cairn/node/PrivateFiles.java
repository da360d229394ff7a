package io.cairn.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Files and directories under the data dir are the node user's alone (0600 / 0700): state, logs,
 * chunks and s3.env hold workload env values, object data and keys. Created with the mode (never
 * created open and narrowed after), so no moment exists when another user could open one.
 * Blocking: worker threads or start-up only.
 */
public final class PrivateFiles {
  public static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> GROUP_OTHER = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private PrivateFiles() {}

  public static FileAttribute<Set<PosixFilePermission>> dirMode() {
    return PosixFilePermissions.asFileAttribute(DIR);
  }

  public static FileAttribute<Set<PosixFilePermission>> fileMode() {
    return PosixFilePermissions.asFileAttribute(FILE);
  }

  /** Like {@link Files#createDirectories}, each directory it creates 0700. */
  public static Path createDirectories(Path dir) throws IOException {
    return Files.createDirectories(dir, dirMode());
  }

  /** Replaces {@code file} with {@code text} atomically (a temp file beside it, 0600, renamed over it). */
  public static void writeString(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
        + ".tmp");
    try {
      Files.createFile(tmp, fileMode());
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Narrows an existing file or directory (written by a library that takes the process umask) to its owner. */
  public static void restrict(Path path) throws IOException {
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
    if (mode.removeAll(GROUP_OTHER)) {
      Files.setPosixFilePermissions(path, mode);
    }
  }

  /**
   * Takes group and other bits off everything under {@code root} (not {@code root} itself, not
   * symbolic links, nothing inside {@code skip}): a data dir written by an older version, or by a
   * library under a loose umask, is tightened at start. Returns how many entries changed.
   */
  public static int tighten(Path root, Set<Path> skip) throws IOException {
    int[] changed = {0};
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (skip.contains(dir)) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        if (!dir.equals(root)) {
          visit(dir, attrs);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        visit(file, attrs);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        return FileVisitResult.CONTINUE; // removed meanwhile (a temp file): nothing to narrow
      }

      private void visit(Path p, BasicFileAttributes attrs) throws IOException {
        if (attrs.isSymbolicLink()) {
          return;
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        if (mode.removeAll(GROUP_OTHER)) {
          Files.setPosixFilePermissions(p, mode);
          changed[0]++;
        }
      }
    });
    return changed[0];
  }
}

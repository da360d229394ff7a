package io.cairn.objects;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads for sending: a stored-plain chunk's bytes mapped from its file rather than copied onto the
 * heap, verified against the CRC32C in its header, and handed to the socket from the page cache.
 * A read into a new array cost an allocation the size of the chunk, the zeroing of it, a copy into
 * it and another into the socket's buffer; a view costs the mapping and the one copy a socket write
 * makes. Each view is unmapped when its reader releases it (after its last write completed); one
 * never released (its reader timed out and dropped it) is unmapped by the GC like any mapping.
 * Compressed and older-format chunks have no view: callers read them as before.
 */
public final class ChunkViews {
  private static final sun.misc.Unsafe UNSAFE = unsafe();
  private final ChunkStore store;

  public ChunkViews(ChunkStore store) {
    this.store = store;
  }

  /** A chunk's plain bytes, read-only, valid until {@link ChunkView#release()}. */
  public static final class ChunkView {
    private final MappedByteBuffer mapping;
    private final AtomicBoolean released = new AtomicBoolean();

    private ChunkView(MappedByteBuffer mapping) {
      this.mapping = mapping;
    }

    /** The whole chunk: a fresh read-only view each call, so callers can slice it freely. */
    public ByteBuffer bytes() {
      return mapping.duplicate();
    }

    /** Unmaps the chunk (once; later calls do nothing). Nothing may read its bytes afterwards. */
    public void release() {
      if (released.compareAndSet(false, true) && UNSAFE != null) {
        UNSAFE.invokeCleaner(mapping);
      }
    }
  }

  /**
   * The verified view of a chunk, or null when it is not stored plain with a CRC32C (read it with
   * {@link ChunkStore#slice} instead). Blocking: worker threads only.
   */
  public ChunkView open(String hash) throws IOException {
    FileChannel ch;
    try {
      ch = FileChannel.open(store.path(hash), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new CairnException(ErrorCode.NOT_FOUND, "chunk " + hash + " is not on this node");
    }
    try (ch) {
      ByteBuffer header = ByteBuffer.allocate(ChunkStore.HEADER_CRC);
      while (header.hasRemaining() && ch.read(header, header.position()) > 0) {
        // a header is a few bytes: one read unless interrupted
      }
      if (header.hasRemaining() || header.get(0) != ChunkStore.MAGIC_CRC || header.get(1) != ChunkStore.PLAIN) {
        return null;
      }
      int length = header.getInt(2);
      int crc = header.getInt(6);
      if (length <= 0 || ch.size() != ChunkStore.HEADER_CRC + (long) length) {
        return null; // empty, or a length the header disagrees with: the copying read reports it
      }
      ChunkView view = new ChunkView(ch.map(FileChannel.MapMode.READ_ONLY, ChunkStore.HEADER_CRC, length));
      java.util.zip.CRC32C check = new java.util.zip.CRC32C();
      check.update(view.bytes());
      if ((int) check.getValue() != crc) {
        view.release();
        throw ChunkStore.corrupt(hash, "content does not match its CRC32C");
      }
      return view;
    }
  }

  /** The JDK's way to unmap now rather than at some later GC; null (GC unmaps) where it is missing. */
  private static sun.misc.Unsafe unsafe() {
    try {
      java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (sun.misc.Unsafe) f.get(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}

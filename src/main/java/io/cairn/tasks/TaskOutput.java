package io.cairn.tasks;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * One task's output, stdout and stderr interleaved in arrival order, each byte at an absolute
 * offset. The first {@code cap} bytes are kept for later readers; beyond that, bytes are held only
 * while a follower still needs them. Memory stays bounded both ways: the pipe readers take
 * {@link #credit} before handing bytes over and get it back once a chunk is kept, dropped, or read by
 * every follower, so a slow follower slows the task's writes (backpressure) instead of growing a
 * buffer. Event-loop confined except {@link #credit}.
 */
public final class TaskOutput {
  /** Bytes beyond the kept head that may wait for followers. */
  static final int LIVE_WINDOW = 256 * 1024;

  public record Chunk(long offset, String stream, byte[] data) {
    long end() {
      return offset + data.length;
    }
  }

  /** What is stored when a task ends: the kept chunks and the counts. */
  public record Stored(List<Chunk> chunks, long total, long dropped) {}

  Stored stored() {
    return new Stored(List.copyOf(kept), total, dropped);
  }

  /** What a reader gets: chunks from its offset, the offset after them, and bytes it missed (not kept). */
  record Batch(List<Chunk> chunks, long next, long skipped) {}

  final Semaphore credit = new Semaphore(LIVE_WINDOW);
  private final long cap;
  private final List<Chunk> kept = new ArrayList<>();
  private final ArrayDeque<Chunk> live = new ArrayDeque<>();
  private long keptBytes;
  private long total;
  private long dropped;
  private boolean closed;

  TaskOutput(long cap) {
    this.cap = cap;
  }

  /** Rebuilt from storage (a finished task's kept output). */
  TaskOutput(long cap, List<Chunk> chunks, long total, long dropped) {
    this(cap);
    kept.addAll(chunks);
    chunks.forEach(c -> keptBytes += c.data().length);
    this.total = total;
    this.dropped = dropped;
    this.closed = true;
  }

  /** Adds bytes the reader took credit for; {@code followed}: someone is reading live. */
  void append(String stream, byte[] data, boolean followed) {
    if (closed) {
      return;
    }
    int room = (int) Math.max(0, Math.min(cap - keptBytes, data.length));
    if (room > 0) {
      byte[] head = room == data.length ? data : java.util.Arrays.copyOf(data, room);
      kept.add(new Chunk(total, stream, head));
      keptBytes += room;
      credit.release(room);
    }
    if (room < data.length) {
      int rest = data.length - room;
      dropped += rest;
      if (followed) {
        live.add(new Chunk(total + room, stream, java.util.Arrays.copyOfRange(data, room, data.length)));
      } else {
        credit.release(rest);
      }
    }
    total += data.length;
  }

  /** Up to about {@code maxBytes} from {@code from}: kept chunks first, then live ones. */
  Batch read(long from, int maxBytes) {
    List<Chunk> out = new ArrayList<>();
    long next = from;
    long skipped = 0;
    int size = 0;
    for (Chunk c : kept) {
      if (c.end() <= next) {
        continue;
      }
      if (size >= maxBytes) {
        return new Batch(out, next, skipped);
      }
      out.add(slice(c, next));
      size += (int) (c.end() - Math.max(next, c.offset()));
      next = c.end();
    }
    for (Chunk c : live) {
      if (c.end() <= next) {
        continue;
      }
      if (size >= maxBytes) {
        return new Batch(out, next, skipped);
      }
      if (c.offset() > next) {
        skipped += c.offset() - next;
        next = c.offset();
      }
      out.add(slice(c, next));
      size += (int) (c.end() - next);
      next = c.end();
    }
    if (closed && next < total) {
      // bytes neither kept nor held for a follower: tell the reader they are gone
      skipped += total - next;
      next = total;
    }
    return new Batch(out, next, skipped);
  }

  private static Chunk slice(Chunk c, long from) {
    if (from <= c.offset()) {
      return c;
    }
    return new Chunk(from, c.stream(), java.util.Arrays.copyOfRange(c.data(), (int) (from - c.offset()), c.data().length));
  }

  /** Frees live chunks every follower has read (all of them when nobody follows). */
  void trim(long minFollowerOffset) {
    while (!live.isEmpty() && live.peek().end() <= minFollowerOffset) {
      credit.release(live.poll().data().length);
    }
  }

  /** No more output will be taken; blocked readers are let go so they can drain and end. */
  void close() {
    closed = true;
    credit.release(Integer.MAX_VALUE / 2);
  }

  /** True once nothing more will arrive (the task ended and its pipes are drained or abandoned). */
  boolean closed() {
    return closed;
  }

  long total() {
    return total;
  }

  long dropped() {
    return dropped;
  }
}

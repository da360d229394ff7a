package io.cairn.storage;

import io.cairn.bus.Addresses;
import io.cairn.events.EventQuery;
import io.cairn.model.Event;
import io.cairn.state.Entry;
import io.cairn.state.Mutation;
import io.cairn.state.Table;
import java.util.List;

/** The storage component's addresses and messages. */
public final class StorageBus {
  public static final Addresses ADDRESSES = new Addresses("storage");
  public static final String GET = ADDRESSES.local("get");
  public static final String SCAN = ADDRESSES.local("scan");
  public static final String WRITE = ADDRESSES.local("write");
  public static final String PING = ADDRESSES.local("ping");
  public static final String EVENTS_QUERY = ADDRESSES.local("events.query");
  /** Published after each committed write that carried events: one {@link Event} per message. */
  public static final String EVENTS_APPENDED = ADDRESSES.local("events.appended");
  /** Published after each log command applied on this node, in log order: one {@link Applied} per command. */
  public static final String APPLIED = ADDRESSES.local("applied");
  /** Reply: {@link io.cairn.state.StateStore.Digest} of the replicated tables. */
  public static final String DIGEST = ADDRESSES.local("digest");
  /**
   * {@link AwaitApplied} -> the applied log index (Long) once it is at least the one asked for;
   * DEADLINE_EXCEEDED, naming the index reached, when it is not within the wait. Answered after every
   * {@link #APPLIED} message up to that index was published, so a component asked next sees them.
   */
  public static final String AWAIT_APPLIED = ADDRESSES.local("awaitApplied");
  /** Published once if this node stops applying the control log (its store could not be written): {@link ApplyStopped}. */
  public static final String APPLY_STOPPED = ADDRESSES.local("applyStopped");

  private StorageBus() {}

  public record Get(Table table, String key) {}

  /** Reply: {@link Entries}. */
  public record Scan(Table table, String prefix, String afterKey, int limit) {}

  public record Entries(List<Entry<?>> entries) {}

  /**
   * Atomic: all mutations and all events land together or not at all (in a cluster: the replicated
   * mutations commit as one log command, then the rest). {@code fenceTerm}: 0, or the Raft term the
   * writer led in, refused (CONFLICT) once a later leader wrote. Reply: the write's version.
   */
  public record Write(List<Mutation> mutations, List<Event> events, long fenceTerm,
      List<io.cairn.state.LogCommand.Expect> expectations) {
    public Write(List<Mutation> mutations, List<Event> events) {
      this(mutations, events, 0, List.of());
    }
  }

  /** A write's reply: its version, and the log index it got (0 when it touched node-local tables only). */
  public record Written(io.cairn.state.Version version, long logIndex) {}

  /** One entry a log command changed: its new value, or null when deleted, and its resource version. */
  public record Change(Table table, String key, Object value, long logIndex) {}

  /**
   * The changes of one applied log command; {@code reload}: a snapshot replaced the replicated
   * tables wholesale, so views must read them again.
   */
  public record Applied(long index, String proposer, List<Change> changes, boolean reload) {}

  public record DigestQuery() {}

  public record AwaitApplied(long index, long waitMillis) {}
  /** This node applied the log up to {@code index - 1} and will apply nothing more until it is restarted. */
  public record ApplyStopped(long index, String reason) {}

  /** Reply: {@link Events}. */
  public record QueryEvents(EventQuery query) {}

  public record Events(List<Event> events) {}

  /** Reply: {@link Pong}. */
  public record Ping() {}

  public record Pong(long entries) {}

  // Objects: metadata on the storage verticle, chunk bytes on the chunk workers.
  public static final String BUCKET_CREATE = ADDRESSES.local("bucket.create");
  public static final String BUCKET_GET = ADDRESSES.local("bucket.get");
  public static final String BUCKET_DELETE = ADDRESSES.local("bucket.delete");
  public static final String BUCKET_LIST = ADDRESSES.local("bucket.list");
  public static final String BUCKET_ACL = ADDRESSES.local("bucket.acl");
  public static final String OBJECT_COMMIT = ADDRESSES.local("object.commit");
  public static final String OBJECT_GET = ADDRESSES.local("object.get");
  public static final String OBJECT_DELETE = ADDRESSES.local("object.delete");
  public static final String OBJECT_LIST = ADDRESSES.local("object.list");

  public static final String UPLOAD_CREATE = ADDRESSES.local("upload.create");
  public static final String UPLOAD_PART = ADDRESSES.local("upload.part");
  public static final String UPLOAD_COMPLETE = ADDRESSES.local("upload.complete");
  public static final String UPLOAD_ABORT = ADDRESSES.local("upload.abort");
  public static final String UPLOAD_PARTS = ADDRESSES.local("upload.parts");
  public static final String UPLOAD_LIST = ADDRESSES.local("upload.list");

  /** Reply: the new {@link io.cairn.objects.MultipartUpload.Upload}. */
  public record CreateUpload(String bucket, String key, String contentType, java.util.Map<String, String> meta,
      java.util.Map<String, String> headers) {}

  public record PutPart(String bucket, String key, io.cairn.objects.MultipartUpload.Part part) {}

  /** Reply: the completed {@link io.cairn.objects.ObjectMeta}. */
  public record CompleteUpload(String bucket, String key, String uploadId,
      List<io.cairn.objects.MultipartUpload.PartRef> parts, java.util.Map<String, String> checksums) {}

  public record UploadRef(String bucket, String key, String uploadId) {}

  public record Parts(List<io.cairn.objects.MultipartUpload.Part> parts) {}

  public record Uploads(List<io.cairn.objects.MultipartUpload.Upload> uploads) {}

  /** Chunk operations are addressed to the node that holds (or will hold) the chunk. */
  public static String chunkPut(String nodeId) {
    return ADDRESSES.onNode(nodeId, "chunk.put");
  }

  public static String chunkGet(String nodeId) {
    return ADDRESSES.onNode(nodeId, "chunk.get");
  }

  public static String chunkRead(String nodeId) {
    return ADDRESSES.onNode(nodeId, "chunk.read");
  }

  public record BucketName(String name) {}

  /** Create a bucket with a canned ACL, or change an existing bucket's. Reply: {@link io.cairn.objects.BucketMeta}. */
  public record BucketAcl(String name, boolean publicRead) {}

  public record Buckets(List<io.cairn.objects.BucketMeta> buckets) {}

  public record ObjectName(String bucket, String key) {}

  /** Reply: the replaced {@link io.cairn.objects.ObjectMeta}, or null. */
  public record Commit(io.cairn.objects.ObjectMeta meta, io.cairn.objects.ObjectCatalog.WriteCondition condition) {
    public Commit(io.cairn.objects.ObjectMeta meta) {
      this(meta, null);
    }
  }

  public record ListObjects(String bucket, String prefix, String delimiter, String startAfter, int max) {}

  /**
   * One chunk's bytes (at most storage.chunkSize). {@code digests} (the object's running MD5, and
   * SHA-256 when the client sent one to check) are updated by the worker, in order: the chunks of
   * one upload are sent one at a time.
   */
  public record PutChunk(byte[] bytes, int length) {}

  /** Reply: {@link ChunkBytes}. */
  public record GetChunk(String hash) {}

  /** A chunk's plain bytes: {@code length} bytes of {@code bytes} from {@code offset} (no copy made to trim). */
  public record ChunkBytes(byte[] bytes, int offset, int length) {
    public ChunkBytes(byte[] bytes) {
      this(bytes, 0, bytes.length);
    }
  }

  /** Reply: {@link ChunkRead}. For senders on this node only: the reply may map the chunk's file. */
  public record ReadChunk(String hash) {}

  /**
   * A chunk to send: its mapped file ({@code view}, which the receiver must release once its last
   * write of the bytes completed), or null for a chunk stored compressed (or in an older format),
   * which the receiver reads with {@link GetChunk} once it has made room on its heap.
   */
  public record ChunkRead(io.cairn.objects.ChunkViews.ChunkView view) {}

  public static final List<Class<?>> MESSAGE_TYPES = List.of(Get.class, Scan.class, Entries.class, Write.class,
      ApplyStopped.class, QueryEvents.class, Events.class, Ping.class, Pong.class, Entry.class, Event.class,
      io.cairn.state.Version.class, java.util.Optional.class, BucketName.class, Buckets.class, ObjectName.class,
      Commit.class, ListObjects.class, PutChunk.class, GetChunk.class, ChunkBytes.class, ReadChunk.class, ChunkRead.class,
      io.cairn.objects.BucketMeta.class, io.cairn.objects.ObjectMeta.class, io.cairn.objects.ObjectCatalog.Listing.class,
      io.cairn.objects.ChunkStore.Stored.class, Boolean.class, CreateUpload.class, PutPart.class, CompleteUpload.class,
      UploadRef.class, Parts.class, Uploads.class, BucketAcl.class, io.cairn.objects.MultipartUpload.Upload.class,
      Change.class, Applied.class, DigestQuery.class, AwaitApplied.class, Long.class, Written.class, io.cairn.state.StateStore.Digest.class);
}

package io.cairn.objects;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.model.FieldError;
import io.cairn.state.Entry;
import io.cairn.state.Mutation;
import io.cairn.state.StateStore;
import io.cairn.state.Table;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rocksdb.RocksDBException;

/**
 * Buckets, objects and chunk reference counts in the state store. An object and the reference
 * counts of its chunks change in one write batch, so a crash leaves the old or the new object, and
 * counts that match it. Blocking, and single-threaded: the storage verticle calls it.
 */
public final class ObjectCatalog {
  private final StateStore store;
  private final StorageMetrics metrics;

  public ObjectCatalog(StateStore store) {
    this(store, StorageMetrics.detached());
  }

  /** Counts the logical bytes already stored, then keeps the count as objects change. */
  public ObjectCatalog(StateStore store, StorageMetrics metrics) {
    this.store = store;
    this.metrics = metrics;
    store.<ObjectMeta>scan(Table.OBJECTS, "", null, Integer.MAX_VALUE, e -> true)
        .forEach(e -> metrics.logicalBytes.addAndGet(e.value().size()));
  }

  /** Object keys sort by bucket, then by key in UTF-8 byte order, as S3 lists them. */
  static String objectKey(String bucket, String key) {
    return bucket + "/" + key;
  }

  public BucketMeta createBucket(String name) throws RocksDBException {
    return createBucket(name, false);
  }

  public BucketMeta createBucket(String name, boolean publicRead) throws RocksDBException {
    if (store.get(Table.BUCKETS, name).isPresent()) {
      throw new CairnException(ErrorCode.ALREADY_EXISTS, "bucket '" + name + "' already exists");
    }
    BucketMeta b = new BucketMeta(name, System.currentTimeMillis(), publicRead);
    store.write(List.of(new Mutation.Put(Table.BUCKETS, name, b)));
    return b;
  }

  public BucketMeta bucket(String name) throws RocksDBException {
    return store.<BucketMeta>get(Table.BUCKETS, name).map(Entry::value)
        .orElseThrow(() -> new CairnException(ErrorCode.NOT_FOUND, "bucket '" + name + "' not found",
            List.of(new FieldError("bucket", "no such bucket"))));
  }

  /** Sets the bucket's canned ACL: public-read lets anonymous clients read and list it. */
  public BucketMeta setPublicRead(String name, boolean publicRead) throws RocksDBException {
    BucketMeta b = bucket(name);
    BucketMeta changed = new BucketMeta(b.name(), b.createdAt(), publicRead);
    store.write(List.of(new Mutation.Put(Table.BUCKETS, name, changed)));
    return changed;
  }

  public List<BucketMeta> buckets() {
    return store.<BucketMeta>scan(Table.BUCKETS, "", null, Integer.MAX_VALUE, e -> true).stream().map(Entry::value).toList();
  }

  public void deleteBucket(String name) throws RocksDBException {
    bucket(name);
    if (!store.scan(Table.OBJECTS, objectKey(name, ""), null, 1, e -> true).isEmpty()) {
      throw new CairnException(ErrorCode.NOT_EMPTY, "bucket '" + name + "' is not empty");
    }
    store.write(List.of(new Mutation.Delete(Table.BUCKETS, name)));
  }

  /** Replaces (or creates) the object; returns what it replaced. */
  public Optional<ObjectMeta> commit(ObjectMeta meta) throws RocksDBException {
    return commit(meta, null);
  }

  /**
   * A conditional write (S3's If-None-Match: * and If-Match on PUT): checked here, where writes of
   * the catalog are serialized, so two racing writers cannot both pass. Null: unconditional.
   */
  public record WriteCondition(boolean mustNotExist, String etag) {}

  public Optional<ObjectMeta> commit(ObjectMeta meta, WriteCondition condition) throws RocksDBException {
    bucket(meta.bucket());
    Optional<ObjectMeta> old = store.<ObjectMeta>get(Table.OBJECTS, objectKey(meta.bucket(), meta.key())).map(Entry::value);
    if (condition != null && condition.mustNotExist() && old.isPresent()) {
      throw s3Error(ErrorCode.FAILED_PRECONDITION, "PreconditionFailed", "the object exists (If-None-Match: *)");
    }
    if (condition != null && condition.etag() != null) {
      if (old.isEmpty()) {
        throw new CairnException(ErrorCode.NOT_FOUND, "object '" + meta.key() + "' not found in bucket '"
            + meta.bucket() + "' (If-Match)", List.of(new FieldError("key", "no such key")));
      }
      if (!condition.etag().equals("*") && !condition.etag().equals(old.get().etag())) {
        throw s3Error(ErrorCode.FAILED_PRECONDITION, "PreconditionFailed", "the object's ETag is not "
            + condition.etag() + " (If-Match)");
      }
    }
    Map<String, Long> delta = new HashMap<>();
    meta.chunks().forEach(c -> delta.merge(c.hash(), 1L, Long::sum));
    old.ifPresent(o -> o.chunks().forEach(c -> delta.merge(c.hash(), -1L, Long::sum)));
    List<Mutation> batch = new ArrayList<>(refChanges(delta));
    batch.add(new Mutation.Put(Table.OBJECTS, objectKey(meta.bucket(), meta.key()), meta));
    store.write(batch);
    metrics.logicalBytes.addAndGet(meta.size() - old.map(ObjectMeta::size).orElse(0L));
    return old;
  }

  public ObjectMeta object(String bucket, String key) throws RocksDBException {
    bucket(bucket);
    return store.<ObjectMeta>get(Table.OBJECTS, objectKey(bucket, key)).map(Entry::value)
        .orElseThrow(() -> new CairnException(ErrorCode.NOT_FOUND, "object '" + key + "' not found in bucket '" + bucket
            + "'", List.of(new FieldError("key", "no such key"))));
  }

  /** Deletes the object if present; returns whether it was. */
  public boolean delete(String bucket, String key) throws RocksDBException {
    bucket(bucket);
    Optional<ObjectMeta> old = store.<ObjectMeta>get(Table.OBJECTS, objectKey(bucket, key)).map(Entry::value);
    if (old.isEmpty()) {
      return false;
    }
    Map<String, Long> delta = new HashMap<>();
    old.get().chunks().forEach(c -> delta.merge(c.hash(), -1L, Long::sum));
    List<Mutation> batch = new ArrayList<>(refChanges(delta));
    batch.add(new Mutation.Delete(Table.OBJECTS, objectKey(bucket, key)));
    store.write(batch);
    metrics.logicalBytes.addAndGet(-old.get().size());
    return true;
  }

  /**
   * Chunks whose last reference a delete or overwrite removed (as opposed to fresh chunks of an
   * upload still in progress): when space is short, these go at once instead of after the grace.
   */
  private final java.util.Set<String> released = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Takes the chunks released since the last call (see {@link #released}). */
  public java.util.Set<String> takeReleased() {
    java.util.Set<String> taken = java.util.Set.copyOf(released);
    released.removeAll(taken);
    return taken;
  }

  /** Reference counts are node-local bookkeeping: a count that reaches zero is purged, not tombstoned. */
  private List<Mutation> refChanges(Map<String, Long> delta) throws RocksDBException {
    List<Mutation> out = new ArrayList<>();
    for (Map.Entry<String, Long> d : delta.entrySet()) {
      if (d.getValue() == 0) {
        continue;
      }
      long now = refCount(d.getKey()) + d.getValue();
      if (now <= 0) {
        released.add(d.getKey());
      }
      out.add(now <= 0 ? new Mutation.Purge(Table.CHUNK_REFS, d.getKey())
          : new Mutation.Put(Table.CHUNK_REFS, d.getKey(), now));
    }
    return out;
  }

  // ---- multipart uploads ----

  static final long MIN_PART_SIZE = 5L << 20;

  public MultipartUpload.Upload createUpload(String bucket, String key, String contentType, Map<String, String> meta,
      Map<String, String> headers) throws RocksDBException {
    bucket(bucket);
    String id = java.util.HexFormat.of().formatHex(randomBytes());
    MultipartUpload.Upload u = new MultipartUpload.Upload(id, bucket, key, contentType, meta, System.currentTimeMillis(),
        headers);
    store.write(List.of(new Mutation.Put(Table.UPLOADS, id, u)));
    return u;
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[16];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
    return b;
  }

  public MultipartUpload.Upload upload(String bucket, String key, String uploadId) throws RocksDBException {
    MultipartUpload.Upload u = store.<MultipartUpload.Upload>get(Table.UPLOADS, uploadId).map(Entry::value)
        .filter(x -> x.bucket().equals(bucket) && x.key().equals(key))
        .orElseThrow(() -> s3Error(ErrorCode.NOT_FOUND, "NoSuchUpload", "upload " + uploadId + " does not exist"));
    return u;
  }

  static String partKey(String uploadId, int partNumber) {
    return uploadId + "/" + String.format("%05d", partNumber);
  }

  /** Stores (or replaces) a part; its chunks are referenced until the upload completes or is aborted. */
  public void putPart(String bucket, String key, MultipartUpload.Part part) throws RocksDBException {
    upload(bucket, key, part.uploadId());
    Optional<MultipartUpload.Part> old = store.<MultipartUpload.Part>get(Table.PARTS,
        partKey(part.uploadId(), part.partNumber())).map(Entry::value);
    Map<String, Long> delta = new HashMap<>();
    part.chunks().forEach(c -> delta.merge(c.hash(), 1L, Long::sum));
    old.ifPresent(o -> o.chunks().forEach(c -> delta.merge(c.hash(), -1L, Long::sum)));
    List<Mutation> batch = new ArrayList<>(refChanges(delta));
    batch.add(new Mutation.Put(Table.PARTS, partKey(part.uploadId(), part.partNumber()), part));
    store.write(batch);
  }

  public List<MultipartUpload.Part> parts(String uploadId) {
    return store.<MultipartUpload.Part>scan(Table.PARTS, uploadId + "/", null, Integer.MAX_VALUE, e -> true).stream()
        .map(Entry::value).toList();
  }

  public List<MultipartUpload.Upload> uploads(String bucket) throws RocksDBException {
    bucket(bucket);
    return store.<MultipartUpload.Upload>scan(Table.UPLOADS, "", null, Integer.MAX_VALUE,
        e -> e.value().bucket().equals(bucket)).stream().map(Entry::value)
        .sorted(java.util.Comparator.comparing(MultipartUpload.Upload::key).thenComparing(MultipartUpload.Upload::createdAt))
        .toList();
  }

  /**
   * Joins the named parts into the object, S3-style ETag {@code md5(part md5s)-N}; the object's
   * references replace the parts' in the same batch, and the upload is gone.
   */
  public ObjectMeta complete(String bucket, String key, String uploadId, List<MultipartUpload.PartRef> wanted)
      throws RocksDBException {
    return complete(bucket, key, uploadId, wanted, Map.of());
  }

  /** {@code checksums}: the completed object's checksum (S3's composite of its parts'), or empty. */
  public ObjectMeta complete(String bucket, String key, String uploadId, List<MultipartUpload.PartRef> wanted,
      Map<String, String> checksums) throws RocksDBException {
    bucket(bucket);
    Optional<ObjectMeta> done = store.<ObjectMeta>get(Table.OBJECTS, objectKey(bucket, key)).map(Entry::value)
        .filter(o -> uploadId.equals(o.uploadId()));
    if (done.isPresent()) {
      return done.get(); // a retry of a completion that succeeded (its reply was lost): the same answer
    }
    MultipartUpload.Upload u = upload(bucket, key, uploadId);
    if (wanted.isEmpty()) {
      throw s3Error(ErrorCode.INVALID_ARGUMENT, "MalformedXML", "the part list is empty");
    }
    Map<Integer, MultipartUpload.Part> stored = new HashMap<>();
    parts(uploadId).forEach(p -> stored.put(p.partNumber(), p));
    List<ObjectMeta.ChunkRef> chunks = new ArrayList<>();
    java.security.MessageDigest md5 = ChunkStore.digest("MD5");
    long size = 0;
    int previous = 0;
    for (MultipartUpload.PartRef ref : wanted) {
      // the list's shape first: a part named twice is an order problem, whatever its size
      if (ref.partNumber() <= previous) {
        throw s3Error(ErrorCode.INVALID_ARGUMENT, "InvalidPartOrder", "parts must be listed in ascending order, "
            + "each once (part " + ref.partNumber() + " follows " + previous + ")");
      }
      previous = ref.partNumber();
    }
    for (int i = 0; i < wanted.size(); i++) {
      MultipartUpload.PartRef ref = wanted.get(i);
      MultipartUpload.Part part = stored.get(ref.partNumber());
      if (part == null || !part.etag().equals(ref.etag())) {
        throw s3Error(ErrorCode.INVALID_ARGUMENT, "InvalidPart", "part " + ref.partNumber()
            + " was not uploaded or its ETag does not match");
      }
      if (i < wanted.size() - 1 && part.size() < MIN_PART_SIZE) {
        throw s3Error(ErrorCode.INVALID_ARGUMENT, "EntityTooSmall", "part " + ref.partNumber()
            + " is smaller than 5 MiB and is not the last part");
      }
      chunks.addAll(part.chunks());
      md5.update(java.util.HexFormat.of().parseHex(part.etag()));
      size += part.size();
    }
    String etag = java.util.HexFormat.of().formatHex(md5.digest()) + "-" + wanted.size();
    ObjectMeta meta = new ObjectMeta(bucket, key, size, etag, u.contentType(), u.userMetadata(), chunks,
        System.currentTimeMillis(), u.headers(), uploadId, checksums);
    Optional<ObjectMeta> old = store.<ObjectMeta>get(Table.OBJECTS, objectKey(bucket, key)).map(Entry::value);
    Map<String, Long> delta = new HashMap<>();
    chunks.forEach(c -> delta.merge(c.hash(), 1L, Long::sum));
    old.ifPresent(o -> o.chunks().forEach(c -> delta.merge(c.hash(), -1L, Long::sum)));
    List<Mutation> batch = new ArrayList<>();
    for (MultipartUpload.Part p : stored.values()) {
      p.chunks().forEach(c -> delta.merge(c.hash(), -1L, Long::sum));
      batch.add(new Mutation.Purge(Table.PARTS, partKey(uploadId, p.partNumber())));
    }
    batch.addAll(refChanges(delta));
    batch.add(new Mutation.Purge(Table.UPLOADS, uploadId));
    batch.add(new Mutation.Put(Table.OBJECTS, objectKey(bucket, key), meta));
    store.write(batch);
    metrics.logicalBytes.addAndGet(size - old.map(ObjectMeta::size).orElse(0L));
    return meta;
  }

  public void abort(String bucket, String key, String uploadId) throws RocksDBException {
    upload(bucket, key, uploadId);
    dropUpload(uploadId);
  }

  private void dropUpload(String uploadId) throws RocksDBException {
    Map<String, Long> delta = new HashMap<>();
    List<Mutation> batch = new ArrayList<>();
    for (MultipartUpload.Part p : parts(uploadId)) {
      p.chunks().forEach(c -> delta.merge(c.hash(), -1L, Long::sum));
      batch.add(new Mutation.Purge(Table.PARTS, partKey(uploadId, p.partNumber())));
    }
    batch.addAll(refChanges(delta));
    batch.add(new Mutation.Purge(Table.UPLOADS, uploadId));
    store.write(batch);
  }

  /** Aborts uploads started before {@code cutoffMillis}; returns how many. */
  public int expireUploads(long cutoffMillis) throws RocksDBException {
    List<MultipartUpload.Upload> old = store.<MultipartUpload.Upload>scan(Table.UPLOADS, "", null, Integer.MAX_VALUE,
        e -> e.value().createdAt() < cutoffMillis).stream().map(Entry::value).toList();
    for (MultipartUpload.Upload u : old) {
      dropUpload(u.uploadId());
    }
    return old.size();
  }

  /** An error whose S3 code the S3 front end should use (carried in the detail's info). */
  static CairnException s3Error(ErrorCode code, String s3Code, String message) {
    return new CairnException(code, message, List.of(new FieldError("upload", message, Map.of("s3Code", s3Code))));
  }

  public long refCount(String hash) throws RocksDBException {
    return store.<Long>get(Table.CHUNK_REFS, hash).map(Entry::value).orElse(0L);
  }

  /** A page of a listing: objects and (with a delimiter) common prefixes, in key order. */
  public record Listing(List<ObjectMeta> objects, List<String> commonPrefixes, boolean truncated, String lastKey) {}

  /** Keys after {@code startAfter} with {@code prefix}, grouping by {@code delimiter}, at most {@code max} entries. */
  public Listing list(String bucket, String prefix, String delimiter, String startAfter, int max)
      throws RocksDBException {
    bucket(bucket);
    String base = objectKey(bucket, "");
    String after = startAfter == null || startAfter.isEmpty() ? null : base + startAfter;
    // a page that ended on a common prefix resumes past every key under it
    String skip = startAfter != null && delimiter != null && !delimiter.isEmpty() && startAfter.endsWith(delimiter)
        && startAfter.startsWith(prefix) ? startAfter : null;
    List<ObjectMeta> objects = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    String last = null;
    boolean truncated = false;
    outer:
    while (true) {
      List<Entry<ObjectMeta>> page = store.scan(Table.OBJECTS, base + prefix, after, 1000, e -> true);
      for (Entry<ObjectMeta> e : page) {
        String key = e.key().substring(base.length());
        after = e.key();
        if (skip != null && key.startsWith(skip)) {
          continue;
        }
        String common = commonPrefix(key, prefix, delimiter);
        if (common != null && common.equals(prefixes.isEmpty() ? null : prefixes.get(prefixes.size() - 1))) {
          continue;
        }
        if (objects.size() + prefixes.size() == max) {
          truncated = true;
          break outer;
        }
        if (common != null) {
          prefixes.add(common);
        } else {
          objects.add(e.value());
        }
        last = common != null ? common : key;
      }
      if (page.size() < 1000) {
        break;
      }
    }
    return new Listing(objects, prefixes, truncated, last);
  }

  static String commonPrefix(String key, String prefix, String delimiter) {
    if (delimiter == null || delimiter.isEmpty()) {
      return null;
    }
    int at = key.indexOf(delimiter, prefix.length());
    return at < 0 ? null : key.substring(0, at + delimiter.length());
  }
}

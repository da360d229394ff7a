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
    if (store.get(Table.BUCKETS, name).isPresent()) {
      throw new CairnException(ErrorCode.ALREADY_EXISTS, "bucket '" + name + "' already exists");
    }
    BucketMeta b = new BucketMeta(name, System.currentTimeMillis(), false);
    store.write(List.of(new Mutation.Put(Table.BUCKETS, name, b)));
    return b;
  }

  public BucketMeta bucket(String name) throws RocksDBException {
    return store.<BucketMeta>get(Table.BUCKETS, name).map(Entry::value)
        .orElseThrow(() -> new CairnException(ErrorCode.NOT_FOUND, "bucket '" + name + "' not found",
            List.of(new FieldError("bucket", "no such bucket"))));
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
    bucket(meta.bucket());
    Optional<ObjectMeta> old = store.<ObjectMeta>get(Table.OBJECTS, objectKey(meta.bucket(), meta.key())).map(Entry::value);
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

  /** Reference counts are node-local bookkeeping: a count that reaches zero is purged, not tombstoned. */
  private List<Mutation> refChanges(Map<String, Long> delta) throws RocksDBException {
    List<Mutation> out = new ArrayList<>();
    for (Map.Entry<String, Long> d : delta.entrySet()) {
      if (d.getValue() == 0) {
        continue;
      }
      long now = refCount(d.getKey()) + d.getValue();
      out.add(now <= 0 ? new Mutation.Purge(Table.CHUNK_REFS, d.getKey())
          : new Mutation.Put(Table.CHUNK_REFS, d.getKey(), now));
    }
    return out;
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

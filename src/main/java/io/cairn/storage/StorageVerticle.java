package io.cairn.storage;

import io.cairn.bus.Bus;
import io.cairn.events.EventLog;
import io.cairn.model.Event;
import io.cairn.events.EventTypes;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.objects.ChunkScrubber;
import io.cairn.objects.ChunkStore;
import io.cairn.objects.ObjectCatalog;
import io.cairn.objects.ObjectMeta;
import io.cairn.objects.StorageMetrics;
import org.slf4j.LoggerFactory;
import io.cairn.state.LogCommand;
import io.cairn.state.Mutation;
import io.cairn.state.StateStore;
import io.cairn.state.Table;
import io.cairn.state.Version;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Owns the state store. Deployed as a worker verticle: every handler below runs on a worker
 * thread, one at a time, so RocksDB calls never touch an event loop and writes are serialized.
 */
public final class StorageVerticle extends VerticleBase {
  private final Path dir;
  private final String nodeId;
  private final int maxEvents;
  private final boolean syncWrites;
  private final ObjectStoreOptions objects;
  /** Deletes stay visible as tombstones this long, so a replica that was away can still learn of them. */
  static final java.time.Duration TOMBSTONE_RETENTION = java.time.Duration.ofHours(24);
  private static final long PURGE_EVERY_MILLIS = 3_600_000;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long purgeTimer;
  private long chunkGcTimer;
  private long scrubTimer;
  private io.vertx.core.WorkerExecutor scrubExecutor;
  private StateStore store;
  private EventLog events;
  private ControlLog log;
  private CommandApplier applier;
  private final java.util.function.Function<CommandApplier, ControlLog> logFactory;

  /** The chunk store this component shares with its chunk workers, and how to collect and scrub it. */
  public record ObjectStoreOptions(ChunkStore chunks, StorageMetrics metrics, java.time.Duration gcGrace,
      java.time.Duration gcInterval, java.time.Duration scrubInterval, long scrubBytesPerSecond,
      java.time.Duration multipartExpiry, int diskThresholdPercent) {}

  /** A single-node store: its control log commits locally. */
  public StorageVerticle(Path dir, String nodeId, int maxEvents, boolean syncWrites, ObjectStoreOptions objects) {
    this(dir, nodeId, maxEvents, syncWrites, objects, LocalControlLog::new);
  }

  /** {@code logFactory} builds the control log over the opened store (a cluster passes its Raft log). */
  public StorageVerticle(Path dir, String nodeId, int maxEvents, boolean syncWrites, ObjectStoreOptions objects,
      java.util.function.Function<CommandApplier, ControlLog> logFactory) {
    this.logFactory = logFactory;
    this.dir = dir;
    this.nodeId = nodeId;
    this.maxEvents = maxEvents;
    this.syncWrites = syncWrites;
    this.objects = objects;
  }

  @Override
  public Future<?> start() {
    return vertx.executeBlocking(() -> {
      store = StateStore.open(dir, nodeId, syncWrites);
      events = new EventLog(store, nodeId, maxEvents);
      applier = new CommandApplier(store, vertx);
      log = logFactory.apply(applier);
      return store;
    }).onSuccess(s -> {
      this.<StorageBus.DigestQuery>serve(StorageBus.DIGEST, m -> store.digest());
      this.<StorageBus.Get>serve(StorageBus.GET, m -> store.get(m.table(), m.key()));
      this.<StorageBus.Scan>serve(StorageBus.SCAN, m -> new StorageBus.Entries(
          List.copyOf(store.scan(m.table(), m.prefix(), m.afterKey(), m.limit(), e -> true))));
      consumers.add(Bus.serveAsync(vertx, StorageBus.WRITE, (StorageBus.Write w, String requestId) -> write(w)));
      consumers.add(Bus.serveAsync(vertx, StorageBus.AWAIT_APPLIED, (StorageBus.AwaitApplied a, String rid) ->
          awaitApplied(a)));
      this.<StorageBus.QueryEvents>serve(StorageBus.EVENTS_QUERY, m -> new StorageBus.Events(events.query(m.query())));
      this.<StorageBus.Ping>serve(StorageBus.PING, m -> new StorageBus.Pong(store.count(Table.WORKLOADS)));
      ObjectCatalog catalog = new ObjectCatalog(store, objects.metrics());
      ChunkStore chunks = objects.chunks();
      this.<StorageBus.BucketAcl>serve(StorageBus.BUCKET_CREATE, m -> catalog.createBucket(m.name(), m.publicRead()));
      this.<StorageBus.BucketAcl>serve(StorageBus.BUCKET_ACL, m -> catalog.setPublicRead(m.name(), m.publicRead()));
      this.<StorageBus.BucketName>serve(StorageBus.BUCKET_GET, m -> catalog.bucket(m.name()));
      this.<StorageBus.BucketName>serve(StorageBus.BUCKET_DELETE, m -> {
        catalog.deleteBucket(m.name());
        return true;
      });
      this.<StorageBus.BucketName>serve(StorageBus.BUCKET_LIST, m -> new StorageBus.Buckets(catalog.buckets()));
      this.<StorageBus.Commit>serve(StorageBus.OBJECT_COMMIT, m -> {
        long started = System.nanoTime();
        for (ObjectMeta.ChunkRef c : m.meta().chunks()) {
          if (!chunks.exists(c.hash())) { // collected while a very long upload was still sending
            throw new CairnException(ErrorCode.UNAVAILABLE, "chunk " + c.hash() + " is gone; upload the object again");
          }
        }
        Object old = catalog.commit(m.meta(), m.condition()).orElse(null);
        objects.metrics().record("object_commit", started);
        return old;
      });
      this.<StorageBus.ObjectName>serve(StorageBus.OBJECT_GET, m -> catalog.object(m.bucket(), m.key()));
      this.<StorageBus.ObjectName>serve(StorageBus.OBJECT_DELETE, m -> {
        boolean deleted = catalog.delete(m.bucket(), m.key());
        if (spaceShort(chunks)) {
          collectReleased(catalog, chunks); // a delete on a full disk frees its space now, not in an hour
        }
        return deleted;
      });
      this.<StorageBus.CreateUpload>serve(StorageBus.UPLOAD_CREATE,
          m -> catalog.createUpload(m.bucket(), m.key(), m.contentType(), m.meta(), m.headers()));
      this.<StorageBus.PutPart>serve(StorageBus.UPLOAD_PART, m -> {
        catalog.putPart(m.bucket(), m.key(), m.part());
        return true;
      });
      this.<StorageBus.CompleteUpload>serve(StorageBus.UPLOAD_COMPLETE,
          m -> catalog.complete(m.bucket(), m.key(), m.uploadId(), m.parts(), m.checksums()));
      this.<StorageBus.UploadRef>serve(StorageBus.UPLOAD_ABORT, m -> {
        catalog.abort(m.bucket(), m.key(), m.uploadId());
        return true;
      });
      this.<StorageBus.UploadRef>serve(StorageBus.UPLOAD_PARTS, m -> {
        catalog.upload(m.bucket(), m.key(), m.uploadId());
        return new StorageBus.Parts(catalog.parts(m.uploadId()));
      });
      this.<StorageBus.BucketName>serve(StorageBus.UPLOAD_LIST, m -> new StorageBus.Uploads(catalog.uploads(m.name())));
      this.<StorageBus.ListObjects>serve(StorageBus.OBJECT_LIST,
          m -> catalog.list(m.bucket(), m.prefix(), m.delimiter(), m.startAfter(), m.max()));
      purgeTimer = vertx.setPeriodic(PURGE_EVERY_MILLIS, id -> purgeTombstones());
      chunkGcTimer = vertx.setPeriodic(objects.gcInterval().toMillis(), id -> collectChunks(catalog, chunks));
      ChunkScrubber scrubber = new ChunkScrubber(chunks, objects.scrubBytesPerSecond(), objects.metrics());
      scrubExecutor = vertx.createSharedWorkerExecutor("cairn-scrub", 1);
      scrubTimer = vertx.setPeriodic(objects.scrubInterval().toMillis(), id -> scrubExecutor
          .executeBlocking(scrubber::pass)
          .onSuccess(this::reportCorrupt)
          .onFailure(e -> LoggerFactory.getLogger(StorageVerticle.class).warn("scrub failed: {}", e.getMessage())));
    });
  }

  /**
   * Control-state mutations go through the log; node-local ones and the events are written here.
   * The single-node log takes them all in one batch; a replicated log commits first, then the
   * node-local part follows (a crash between the two loses only those events).
   */
  private Future<StorageBus.Written> write(StorageBus.Write w) {
    List<Mutation> replicated = new ArrayList<>();
    List<Mutation> local = new ArrayList<>();
    for (Mutation m : w.mutations()) {
      (m.table().replicated() ? replicated : local).add(m);
    }
    try {
      if (replicated.isEmpty()) {
        return Future.succeededFuture(new StorageBus.Written(writeLocal(local, w.events()), 0));
      }
      LogCommand command = new LogCommand(nodeId, System.currentTimeMillis(), w.fenceTerm(),
          List.copyOf(w.expectations()), List.copyOf(replicated));
      if (log.atomicWithLocal()) {
        EventLog.Appended appended = events.prepare(w.events());
        local.addAll(appended.mutations());
        ControlLog.Applied applied = log.append(command, local).join();
        checkOutcome(applied.outcome());
        events.committed(appended);
        published(appended);
        return Future.succeededFuture(new StorageBus.Written(applied.outcome().version(), applied.index()));
      }
      io.vertx.core.Context context = vertx.getOrCreateContext();
      return Future.fromCompletionStage(log.append(command, List.of()), context)
          .recover(e -> Future.failedFuture(e instanceof java.util.concurrent.CompletionException && e.getCause() != null
              ? e.getCause() : e))
          .map(applied -> {
            checkOutcome(applied.outcome());
            return applied;
          })
          .compose(applied -> {
            try {
              writeLocal(local, w.events());
              return Future.succeededFuture(new StorageBus.Written(applied.outcome().version(), applied.index()));
            } catch (Exception e) {
              return Future.failedFuture(e);
            }
          });
    } catch (java.util.concurrent.CompletionException e) {
      return Future.failedFuture(e.getCause());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }

  /** Replies on this verticle's context, after the applier published every change up to the index. */
  private Future<Long> awaitApplied(StorageBus.AwaitApplied asked) {
    java.time.Duration wait = java.time.Duration.ofMillis(Math.max(0, asked.waitMillis()));
    return Future.fromCompletionStage(applier.awaitApplied(asked.index(), wait), vertx.getOrCreateContext())
        .transform(ar -> {
          long reached;
          try {
            reached = applier.releasedIndex();
          } catch (RuntimeException e) {
            return Future.failedFuture(e);
          }
          if (ar.succeeded()) {
            return Future.succeededFuture(reached);
          }
          Throwable why = ar.cause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
              ? c.getCause() : ar.cause();
          if (!(why instanceof java.util.concurrent.TimeoutException)) {
            return Future.failedFuture(why); // e.g. this node stopped applying: UNAVAILABLE
          }
          return Future.failedFuture(new CairnException(ErrorCode.DEADLINE_EXCEEDED, "this node has applied the log up to "
              + "index " + reached + ", not yet " + asked.index() + ", after waiting " + io.cairn.model.Durations.format(wait)
              + "; ask another node or again later"));
        });
  }

  private static void checkOutcome(io.cairn.state.StateStore.Outcome outcome) {
    if (outcome.result() == io.cairn.state.StateStore.Result.CONFLICT
        || outcome.result() == io.cairn.state.StateStore.Result.FENCED
        || outcome.result() == io.cairn.state.StateStore.Result.REFUSED) {
      throw new CairnException(ErrorCode.CONFLICT, outcome.reason());
    }
  }

  private Version writeLocal(List<Mutation> local, List<Event> toAppend) throws Exception {
    EventLog.Appended appended = events.prepare(toAppend);
    List<Mutation> all = new ArrayList<>(local);
    all.addAll(appended.mutations());
    Version version = store.write(all);
    events.committed(appended);
    published(appended);
    return version;
  }

  private void published(EventLog.Appended appended) {
    for (Event e : appended.events()) {
      vertx.eventBus().publish(StorageBus.EVENTS_APPENDED, e);
    }
  }

  /** Reachable locally and at this node's scoped address, for callers on other nodes later. */
  private <T> void serve(String address, Bus.SyncHandler<T> handler) {
    consumers.add(Bus.serve(vertx, address, handler));
    consumers.add(Bus.serve(vertx, StorageBus.ADDRESSES.onNode(nodeId,
        address.substring("cairn.storage.".length())), handler));
  }

  /**
   * Deletes chunks no object references, once older than the grace period (younger ones may belong
   * to an upload still in progress). Runs on this verticle's thread, where reference counts change,
   * so a count cannot rise between the check and the delete.
   */
  private void collectChunks(ObjectCatalog catalog, ChunkStore chunks) {
    if (spaceShort(chunks)) {
      collectReleased(catalog, chunks);
    }
    long freed = 0;
    try {
      int expired = catalog.expireUploads(System.currentTimeMillis() - objects.multipartExpiry().toMillis());
      if (expired > 0) {
        LoggerFactory.getLogger(StorageVerticle.class).info("aborted {} abandoned multipart uploads", expired);
      }
      for (String hash : chunks.hashes()) {
        if (catalog.refCount(hash) == 0 && chunks.ageMillis(hash) >= objects.gcGrace().toMillis()) {
          freed += chunks.delete(hash);
        }
      }
    } catch (Exception e) {
      LoggerFactory.getLogger(StorageVerticle.class).warn("chunk gc failed: {}", e.getMessage());
    }
    if (freed > 0) {
      objects.metrics().reclaimed(freed);
      LoggerFactory.getLogger(StorageVerticle.class).info("chunk gc reclaimed {} bytes", freed);
    }
  }

  /** Whether the data disk is used beyond admission.diskThreshold. */
  private boolean spaceShort(ChunkStore chunks) {
    try {
      java.nio.file.FileStore fs = java.nio.file.Files.getFileStore(dir);
      return fs.getTotalSpace() > 0
          && (fs.getTotalSpace() - fs.getUsableSpace()) * 100.0 / fs.getTotalSpace() >= objects.diskThresholdPercent();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Deletes chunks a delete left unreferenced, whatever their age. */
  private void collectReleased(ObjectCatalog catalog, ChunkStore chunks) {
    long freed = 0;
    for (String hash : catalog.takeReleased()) {
      try {
        if (catalog.refCount(hash) == 0) {
          freed += chunks.delete(hash);
        }
      } catch (Exception e) {
        LoggerFactory.getLogger(StorageVerticle.class).warn("reclaiming chunk {} failed: {}", hash, e.getMessage());
      }
    }
    if (freed > 0) {
      objects.metrics().reclaimed(freed);
      LoggerFactory.getLogger(StorageVerticle.class).info("space short: reclaimed {} bytes of deleted objects at once", freed);
    }
  }

  private void reportCorrupt(List<String> corrupt) {
    if (corrupt.isEmpty()) {
      return;
    }
    List<Event> found = corrupt.stream().map(h -> Event.of(EventTypes.CHUNK_CORRUPT, Event.Severity.Error, null, null,
        "scrub: chunk " + h + " does not match its hash; objects using it fail to read until repaired", null)).toList();
    vertx.eventBus().request(StorageBus.WRITE, new StorageBus.Write(List.of(), found));
  }

  private void purgeTombstones() {
    long cutoff = System.currentTimeMillis() - TOMBSTONE_RETENTION.toMillis();
    for (Table t : List.of(Table.WORKLOADS, Table.WORKLOAD_STATUS, Table.INSTANCES)) {
      try {
        store.purgeTombstones(t, cutoff);
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(StorageVerticle.class).warn("tombstone purge of {} failed: {}", t, e.getMessage());
      }
    }
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(purgeTimer);
    vertx.cancelTimer(chunkGcTimer);
    vertx.cancelTimer(scrubTimer);
    if (scrubExecutor != null) {
      scrubExecutor.close();
    }
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList())
        .compose(v -> vertx.executeBlocking((Callable<Void>) () -> {
          if (store != null) {
            store.close();
          }
          return null;
        }));
  }
}

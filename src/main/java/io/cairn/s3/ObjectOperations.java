package io.cairn.s3;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.objects.ChunkPlacement;
import io.cairn.objects.ObjectCatalog;
import io.cairn.objects.ObjectMeta;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** PutObject (also conditional), GetObject / HeadObject (ranges, preconditions, response-*), CopyObject, DeleteObject. */
final class ObjectOperations {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectOperations.class);
  private final Vertx vertx;
  private final ObjectStoreClient store;
  private final S3Bodies bodies;
  private final ChunkPlacement placement;
  private final Duration timeout;

  ObjectOperations(Vertx vertx, ObjectStoreClient store, S3Bodies bodies, ChunkPlacement placement, Duration timeout) {
    this.vertx = vertx;
    this.store = store;
    this.bodies = bodies;
    this.placement = placement;
    this.timeout = timeout;
  }

  Future<Void> put(HttpServerRequest req, S3Target t, SigV4.Verified auth) {
    ObjectHeaders headers = ObjectHeaders.from(req.headers());
    ObjectCatalog.WriteCondition condition = writeCondition(req);
    return store.bucket(t.bucket())
        .compose(b -> bodies.receive(req, auth))
        .compose(received -> {
          ObjectMeta meta = new ObjectMeta(t.bucket(), t.key(), received.size(), received.md5Hex(),
              headers.contentType(), headers.userMetadata(), received.chunks(), System.currentTimeMillis(),
              headers.system(), null, received.checksums());
          return store.commit(meta, condition).map(old -> meta);
        })
        .compose(meta -> {
          LOG.debug("put {} {} {}", kv("bucket", t.bucket()), kv("key", t.key()), kv("size", meta.size()));
          req.response().putHeader("ETag", "\"" + meta.etag() + "\"");
          meta.checksums().forEach(req.response()::putHeader);
          return S3Replies.empty(req, 200);
        });
  }

  /** PUT's If-None-Match: * (create only) and If-Match (replace only that version), or null. */
  private static ObjectCatalog.WriteCondition writeCondition(HttpServerRequest req) {
    String ifNoneMatch = req.getHeader("If-None-Match");
    String ifMatch = req.getHeader("If-Match");
    if (ifNoneMatch != null && !ifNoneMatch.trim().equals("*")) {
      throw new S3Exception(501, "NotImplemented", "If-None-Match on a write supports only *");
    }
    if (ifNoneMatch == null && ifMatch == null) {
      return null;
    }
    String etag = ifMatch == null ? null : ifMatch.trim().replace("\"", "");
    return new ObjectCatalog.WriteCondition(ifNoneMatch != null, etag);
  }

  Future<Void> get(HttpServerRequest req, S3Target t, boolean head) {
    return store.object(t.bucket(), t.key()).compose(meta -> {
      ReadConditions.check(req.headers(), meta);
      ByteRange range = ByteRange.parse(req.getHeader("Range"), meta.size());
      HttpServerResponse resp = req.response();
      Runnable headers = () -> {
        resp.setStatusCode(range == null ? 200 : 206)
            .putHeader("Content-Length", Long.toString(range == null ? meta.size() : range.length()))
            .putHeader("ETag", "\"" + meta.etag() + "\"")
            .putHeader("Last-Modified", S3Replies.HTTP_DATE.format(Instant.ofEpochMilli(meta.createdAt())))
            .putHeader("Accept-Ranges", "bytes");
        if (range != null) {
          resp.putHeader("Content-Range", "bytes " + range.start() + "-" + range.endInclusive() + "/" + meta.size());
        }
        ObjectHeaders.write(meta, t, resp);
        // the stored whole-object checksum, when asked for and the whole object is sent
        if (range == null && "ENABLED".equalsIgnoreCase(req.getHeader("x-amz-checksum-mode"))
            && !meta.checksums().isEmpty()) {
          meta.checksums().forEach(resp::putHeader);
          boolean composite = meta.checksums().values().stream().anyMatch(v -> v.contains("-"));
          resp.putHeader("x-amz-checksum-type", composite ? "COMPOSITE" : "FULL_OBJECT");
        }
      };
      if (head) {
        headers.run();
        return resp.end();
      }
      String node = meta.chunks().isEmpty() ? placement.uploadNode()
          : placement.nodesFor(meta.chunks().get(0).hash()).get(0);
      return ObjectDownload.send(vertx, resp, meta, range, node, timeout, bodies.buffers(), headers);
    });
  }

  /** A copy shares the source's chunks: only references change, no bytes are read or written. */
  Future<Void> copy(HttpServerRequest req, S3Target t) {
    String[] source;
    try {
      source = copySource(req);
    } catch (S3Exception e) {
      return Future.failedFuture(e);
    }
    String srcBucket = source[0];
    String srcKey = source[1];
    String directive = req.getHeader("x-amz-metadata-directive");
    if (directive != null && !directive.equalsIgnoreCase("COPY") && !directive.equalsIgnoreCase("REPLACE")) {
      return Future.failedFuture(S3Exception.invalidArgument("x-amz-metadata-directive must be COPY or REPLACE"));
    }
    boolean replace = "REPLACE".equalsIgnoreCase(directive);
    if (!replace && srcBucket.equals(t.bucket()) && srcKey.equals(t.key())) {
      return Future.failedFuture(new S3Exception(400, "InvalidRequest", "This copy request is illegal because it is "
          + "trying to copy an object to itself without changing the object's metadata, storage class, website "
          + "redirect location or encryption attributes."));
    }
    ObjectHeaders given = replace ? ObjectHeaders.from(req.headers()) : null;
    req.resume();
    return store.object(srcBucket, srcKey)
        .compose(src -> {
          copySourceConditions(req, src);
          ObjectHeaders headers = replace ? given : ObjectHeaders.of(src);
          ObjectMeta copy = new ObjectMeta(t.bucket(), t.key(), src.size(), src.etag(), headers.contentType(),
              headers.userMetadata(), src.chunks(), System.currentTimeMillis(), headers.system(), null,
              src.checksums());
          return store.commit(copy).map(x -> copy);
        })
        .compose(copy -> S3Replies.xml(req, 200, S3Xml.copied(copy.etag(), copy.createdAt())));
  }

  /** x-amz-copy-source as {bucket, key} (a leading slash and a ?versionId are ignored). */
  static String[] copySource(HttpServerRequest req) {
    String source = S3Target.decodePath(req.getHeader("x-amz-copy-source"));
    int q = source.indexOf('?');
    source = (q < 0 ? source : source.substring(0, q)).replaceFirst("^/", "");
    int slash = source.indexOf('/');
    if (slash <= 0 || slash == source.length() - 1) {
      throw S3Exception.invalidArgument("x-amz-copy-source must be bucket/key");
    }
    return new String[] {source.substring(0, slash), source.substring(slash + 1)};
  }

  /** x-amz-copy-source-if-*: the read preconditions, on the source, and always 412 when they fail. */
  static void copySourceConditions(HttpServerRequest req, ObjectMeta src) {
    io.vertx.core.MultiMap conditions = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
    for (String h : new String[] {"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"}) {
      String v = req.getHeader("x-amz-copy-source-" + h.toLowerCase(java.util.Locale.ROOT));
      if (v != null) {
        conditions.add(h, v);
      }
    }
    try {
      ReadConditions.check(conditions, src);
    } catch (S3Exception e) {
      throw new S3Exception(412, "PreconditionFailed", "the copy source's precondition failed: " + e.getMessage());
    }
  }

  Future<Void> delete(HttpServerRequest req, S3Target t) {
    return store.deleteObject(t.bucket(), t.key()).compose(x -> S3Replies.empty(req, 204));
  }
}

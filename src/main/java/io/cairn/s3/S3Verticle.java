package io.cairn.s3;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.cairn.bus.Bus;
import io.cairn.objects.BucketMeta;
import io.cairn.objects.ChunkPlacement;
import io.cairn.objects.MultipartUpload;
import io.cairn.objects.ObjectCatalog;
import io.cairn.objects.ObjectMeta;
import io.cairn.storage.StorageBus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 front end on its own port (path-style addressing): authenticates with SigV4, maps each
 * request to storage-component messages, and answers in S3's XML. No storage logic here.
 */
public final class S3Verticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(S3Verticle.class);
  private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  /** The configured key pair, the listener and limits. */
  public record Settings(String host, int port, String region, String accessKeyId, String secretAccessKey,
      int chunkSize, Duration timeout) {}

  private final Settings settings;
  private final ChunkPlacement placement;
  private final io.cairn.net.ConnectionGuard guard;
  private HttpServer server;
  private io.cairn.net.ConnectionGuard.Attached guarded;

  public S3Verticle(Settings settings, ChunkPlacement placement, io.cairn.net.ConnectionGuard guard) {
    this.settings = settings;
    this.placement = placement;
    this.guard = guard;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(guard.options(new HttpServerOptions().setHost(settings.host())
        .setPort(settings.port())));
    guarded = guard.attach(vertx, server, this::handle);
    return server.requestHandler(guarded.handler()).invalidRequestHandler(S3Limits::invalidRequest).listen();
  }

  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    if (guarded != null) {
      guarded.close().run();
    }
    return server == null ? Future.succeededFuture() : server.shutdown(Duration.ofSeconds(10).toMillis(),
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** One request's parsed addressing. */
  private record Target(String bucket, String key, Map<String, List<String>> query, String requestId) {
    String param(String name) {
      List<String> v = query.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    boolean has(String name) {
      return query.containsKey(name);
    }
  }

  private void handle(HttpServerRequest req) {
    // an object upload's body waits until its chunker is attached; other bodies are read (or ignored) as usual
    if (req.method() == HttpMethod.PUT) {
      req.pause();
    }
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String requestId = Long.toHexString(r.nextLong()).toUpperCase(Locale.ROOT);
    req.response().putHeader("x-amz-request-id", requestId).putHeader("Server", "Cairn");
    Target t;
    SigV4.Verified auth;
    try {
      String path = decodePath(req.path());
      Map<String, List<String>> query = parseQuery(req.query());
      String trimmed = path.startsWith("/") ? path.substring(1) : path;
      int slash = trimmed.indexOf('/');
      String bucket = trimmed.isEmpty() ? null : slash < 0 ? trimmed : trimmed.substring(0, slash);
      String key = slash < 0 || slash == trimmed.length() - 1 ? null : trimmed.substring(slash + 1);
      t = new Target(bucket, key, query, requestId);
      S3Limits.checkKey(key);
      boolean anonymous = req.getHeader("Authorization") == null && !query.containsKey("X-Amz-Signature");
      auth = anonymous ? null : SigV4.verify(new SigV4.Request(req.method().name(), path, query, req.headers()),
          settings.accessKeyId(), settings.secretAccessKey(), settings.region(), Instant.now());
    } catch (S3Exception e) {
      fail(req, e, req.path(), requestId);
      return;
    }
    if (auth != null && "100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
      // the signature is good: ask for the body now rather than let the client wait out its timeout
      // (curl, botocore and the JDK wait about a second before sending it anyway)
      req.response().writeContinue();
    }
    Future<Void> handled = auth == null ? anonymous(req, t) : dispatch(req, t, auth);
    handled.onFailure(e -> fail(req, S3Exception.from(e), req.path(), requestId));
  }

  /** Unsigned requests may only read (GET/HEAD objects, list) a bucket whose ACL is public-read. */
  private Future<Void> anonymous(HttpServerRequest req, Target t) {
    boolean read = req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD;
    boolean plainRead = read && t.bucket() != null && !t.has("uploads") && !t.has("uploadId") && !t.has("acl");
    if (!plainRead) {
      return Future.failedFuture(S3Exception.accessDenied("anonymous requests may only read public-read buckets"));
    }
    return this.<BucketMeta>ask(StorageBus.BUCKET_GET, new StorageBus.BucketName(t.bucket()))
        .recover(e -> Future.failedFuture(S3Exception.accessDenied("access denied")))
        .compose(b -> b.publicRead() ? dispatch(req, t, SigV4.Verified.anonymous())
            : Future.failedFuture(S3Exception.accessDenied("the bucket is not public-read")));
  }

  /** Canned ACLs Cairn understands: private (default) and public-read. */
  private static Boolean publicRead(HttpServerRequest req) {
    String acl = req.getHeader("x-amz-acl");
    if (acl == null || acl.equals("private")) {
      return acl == null ? null : false;
    }
    if (acl.equals("public-read")) {
      return true;
    }
    throw new S3Exception(501, "NotImplemented", "canned ACL '" + acl + "' is not supported (use private or public-read)");
  }

  private Future<Void> dispatch(HttpServerRequest req, Target t, SigV4.Verified auth) {
    HttpMethod m = req.method();
    if (t.bucket() == null) {
      return m == HttpMethod.GET ? listBuckets(req) : notImplemented();
    }
    if (t.key() == null) {
      if (m == HttpMethod.PUT && t.has("acl")) {
        Boolean open = publicRead(req);
        req.resume();
        return ask(StorageBus.BUCKET_ACL, new StorageBus.BucketAcl(t.bucket(), Boolean.TRUE.equals(open)))
            .compose(b -> empty(req, 200));
      } else if (m == HttpMethod.PUT) {
        return createBucket(req, t);
      } else if (m == HttpMethod.HEAD) {
        return ask(StorageBus.BUCKET_GET, new StorageBus.BucketName(t.bucket())).compose(b -> empty(req, 200));
      } else if (m == HttpMethod.DELETE) {
        return ask(StorageBus.BUCKET_DELETE, new StorageBus.BucketName(t.bucket())).compose(b -> empty(req, 204));
      } else if (m == HttpMethod.GET && t.has("uploads")) {
        return this.<StorageBus.Uploads>ask(StorageBus.UPLOAD_LIST, new StorageBus.BucketName(t.bucket()))
            .compose(u -> xml(req, 200, S3Xml.uploads(t.bucket(), u.uploads())));
      } else if (m == HttpMethod.GET) {
        return listObjects(req, t);
      } else if (m == HttpMethod.POST && t.has("delete")) {
        return deleteObjects(req, t, auth);
      }
      return notImplemented();
    }
    if (m == HttpMethod.POST && t.has("uploads")) {
      return this.<MultipartUpload.Upload>ask(StorageBus.UPLOAD_CREATE, new StorageBus.CreateUpload(t.bucket(), t.key(),
              contentType(req), userMetadata(req)))
          .compose(u -> xml(req, 200, S3Xml.initiated(t.bucket(), t.key(), u.uploadId())));
    }
    if (m == HttpMethod.POST && t.has("uploadId")) {
      return verifiedBody(req, auth)
          .map(S3Requests::completeParts)
          .compose(parts -> this.<ObjectMeta>ask(StorageBus.UPLOAD_COMPLETE, new StorageBus.CompleteUpload(t.bucket(),
              t.key(), t.param("uploadId"), parts)))
          .compose(meta -> xml(req, 200, S3Xml.completed(t.bucket(), t.key(), meta.etag())));
    }
    if (m == HttpMethod.PUT && t.has("uploadId")) {
      return uploadPart(req, t, auth);
    }
    if (m == HttpMethod.DELETE && t.has("uploadId")) {
      return ask(StorageBus.UPLOAD_ABORT, new StorageBus.UploadRef(t.bucket(), t.key(), t.param("uploadId")))
          .compose(x -> empty(req, 204));
    }
    if (m == HttpMethod.GET && t.has("uploadId")) {
      return this.<StorageBus.Parts>ask(StorageBus.UPLOAD_PARTS, new StorageBus.UploadRef(t.bucket(), t.key(),
              t.param("uploadId")))
          .compose(p -> xml(req, 200, S3Xml.parts(t.bucket(), t.key(), t.param("uploadId"), p.parts())));
    }
    if (m == HttpMethod.PUT && req.headers().contains("x-amz-copy-source")) {
      return copyObject(req, t);
    }
    if (m == HttpMethod.PUT) {
      return putObject(req, t, auth);
    } else if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
      return getObject(req, t, m == HttpMethod.HEAD);
    } else if (m == HttpMethod.DELETE) {
      return ask(StorageBus.OBJECT_DELETE, new StorageBus.ObjectName(t.bucket(), t.key())).compose(x -> empty(req, 204));
    }
    return notImplemented();
  }

  private Future<Void> listBuckets(HttpServerRequest req) {
    return this.<StorageBus.Buckets>ask(StorageBus.BUCKET_LIST, new StorageBus.BucketName(""))
        .compose(b -> xml(req, 200, S3Xml.buckets(b.buckets(), settings.accessKeyId())));
  }

  private Future<Void> createBucket(HttpServerRequest req, Target t) {
    if (!BUCKET_NAME.matcher(t.bucket()).matches() || t.bucket().contains("..")
        || S3Limits.isIpAddress(t.bucket())) {
      return Future.failedFuture(new S3Exception(400, "InvalidBucketName", "bucket names are 3-63 lower-case letters,"
          + " digits, dots and hyphens, and not an IP address"));
    }
    Boolean open = publicRead(req);
    req.resume();
    return S3Limits.boundedBody(req).compose(ignoredLocationConstraint ->
        this.<BucketMeta>ask(StorageBus.BUCKET_CREATE, new StorageBus.BucketAcl(t.bucket(), Boolean.TRUE.equals(open))))
        .compose(b -> {
          req.response().putHeader("Location", "/" + t.bucket());
          return empty(req, 200);
        });
  }

  private Future<Void> listObjects(HttpServerRequest req, Target t) {
    boolean v2 = "2".equals(t.param("list-type"));
    String prefix = t.param("prefix") == null ? "" : t.param("prefix");
    String delimiter = t.param("delimiter");
    int maxKeys = 1000;
    if (t.param("max-keys") != null) {
      try {
        maxKeys = Math.min(1000, Integer.parseInt(t.param("max-keys")));
      } catch (NumberFormatException e) {
        return Future.failedFuture(S3Exception.invalidArgument("max-keys must be a whole number"));
      }
      if (maxKeys < 0) {
        return Future.failedFuture(S3Exception.invalidArgument("max-keys must not be negative"));
      }
    }
    String token = t.param("continuation-token");
    String startAfter = v2 ? t.param("start-after") : t.param("marker");
    String after;
    try {
      after = token != null ? new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8) : startAfter;
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(S3Exception.invalidArgument("the continuation token is not one this server issued"));
    }
    boolean url = "url".equals(t.param("encoding-type"));
    S3Xml.KeyEncoder enc = url ? k -> SigV4.uriEncode(k, false) : k -> k;
    int max = maxKeys;
    if (max == 0) {
      return xml(req, 200, S3Xml.listing(t.bucket(), new ObjectCatalog.Listing(List.of(), List.of(), false, null), v2,
          prefix, delimiter, 0, startAfter, token, null, startAfter, enc, url));
    }
    return this.<ObjectCatalog.Listing>ask(StorageBus.OBJECT_LIST, new StorageBus.ListObjects(t.bucket(), prefix,
            delimiter, after, max))
        .compose(l -> {
          String next = v2 && l.truncated() ? Base64.getUrlEncoder().withoutPadding()
              .encodeToString(l.lastKey().getBytes(StandardCharsets.UTF_8)) : null;
          return xml(req, 200, S3Xml.listing(t.bucket(), l, v2, prefix, delimiter, max, startAfter, token, next,
              v2 ? startAfter : null, enc, url));
        });
  }

  private Future<ObjectUpload.Result> receiveBody(HttpServerRequest req, SigV4.Verified auth) {
    AwsChunkedDecoder decoder = null;
    if (auth.payloadHash().equals("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")) {
      decoder = new AwsChunkedDecoder(auth);
    } else if (auth.payloadHash().startsWith("STREAMING-")) {
      return Future.failedFuture(new S3Exception(501, "NotImplemented", auth.payloadHash() + " bodies are not supported"));
    }
    return ObjectUpload.receive(vertx, req, placement.uploadNode(), settings.chunkSize(), settings.timeout(),
        auth.payloadHash(), req.getHeader("Content-MD5"), decoder);
  }

  private Future<Void> uploadPart(HttpServerRequest req, Target t, SigV4.Verified auth) {
    int partNumber;
    try {
      partNumber = Integer.parseInt(t.param("partNumber"));
    } catch (NumberFormatException | NullPointerException e) {
      return Future.failedFuture(S3Exception.invalidArgument("partNumber must be a whole number from 1 to 10000"));
    }
    if (partNumber < 1 || partNumber > 10_000) {
      return Future.failedFuture(S3Exception.invalidArgument("partNumber must be a whole number from 1 to 10000"));
    }
    String uploadId = t.param("uploadId");
    return ask(StorageBus.UPLOAD_PARTS, new StorageBus.UploadRef(t.bucket(), t.key(), uploadId))
        .compose(x -> receiveBody(req, auth))
        .compose(r -> ask(StorageBus.UPLOAD_PART, new StorageBus.PutPart(t.bucket(), t.key(), new MultipartUpload.Part(
            uploadId, partNumber, r.size(), r.md5Hex(), r.chunks(), System.currentTimeMillis()))).map(x -> r))
        .compose(r -> {
          req.response().putHeader("ETag", "\"" + r.md5Hex() + "\"");
          return empty(req, 200);
        });
  }

  /** A small XML body, checked against x-amz-content-sha256 when the client signed it. */
  private Future<io.vertx.core.buffer.Buffer> verifiedBody(HttpServerRequest req, SigV4.Verified auth) {
    return S3Limits.boundedBody(req).map(body -> {
      String hash = auth.payloadHash();
      if (hash.matches("[0-9a-f]{64}") && !SigV4.hex(SigV4.sha256(body.getBytes())).equals(hash)) {
        throw new S3Exception(400, "XAmzContentSHA256Mismatch", "the body does not match x-amz-content-sha256");
      }
      return body;
    });
  }

  private Future<Void> deleteObjects(HttpServerRequest req, Target t, SigV4.Verified auth) {
    return verifiedBody(req, auth).map(S3Requests::deleteKeys).compose(list -> {
      List<String> deleted = new ArrayList<>();
      Map<String, S3Exception> failed = new LinkedHashMap<>();
      Future<Void> chain = Future.succeededFuture();
      for (String key : list.keys()) {
        chain = chain.compose(v -> ask(StorageBus.OBJECT_DELETE, new StorageBus.ObjectName(t.bucket(), key))
            .transform(ar -> {
              if (ar.succeeded()) {
                deleted.add(key);
              } else {
                failed.put(key, S3Exception.from(ar.cause()));
              }
              return Future.succeededFuture();
            }));
      }
      return chain.compose(v -> xml(req, 200, S3Xml.deleted(deleted, failed, list.quiet())));
    });
  }

  /** A copy shares the source's chunks: only references change, no bytes are read or written. */
  private Future<Void> copyObject(HttpServerRequest req, Target t) {
    String source = decodePath(req.getHeader("x-amz-copy-source"));
    int q = source.indexOf('?');
    source = (q < 0 ? source : source.substring(0, q)).replaceFirst("^/", "");
    int slash = source.indexOf('/');
    if (slash <= 0 || slash == source.length() - 1) {
      return Future.failedFuture(S3Exception.invalidArgument("x-amz-copy-source must be bucket/key"));
    }
    String srcBucket = source.substring(0, slash);
    String srcKey = source.substring(slash + 1);
    boolean replace = "REPLACE".equalsIgnoreCase(req.getHeader("x-amz-metadata-directive"));
    req.resume();
    return this.<ObjectMeta>ask(StorageBus.OBJECT_GET, new StorageBus.ObjectName(srcBucket, srcKey))
        .compose(src -> {
          ObjectMeta copy = new ObjectMeta(t.bucket(), t.key(), src.size(), src.etag(),
              replace ? contentType(req) : src.contentType(), replace ? userMetadata(req) : src.userMetadata(),
              src.chunks(), System.currentTimeMillis());
          return ask(StorageBus.OBJECT_COMMIT, new StorageBus.Commit(copy)).map(x -> copy);
        })
        .compose(copy -> xml(req, 200, S3Xml.copied(copy.etag(), copy.createdAt())));
  }

  private static String contentType(HttpServerRequest req) {
    return req.getHeader("Content-Type") == null ? "binary/octet-stream" : req.getHeader("Content-Type");
  }

  private Future<Void> putObject(HttpServerRequest req, Target t, SigV4.Verified auth) {
    return ask(StorageBus.BUCKET_GET, new StorageBus.BucketName(t.bucket()))
        .compose(b -> receiveBody(req, auth))
        .compose(received -> {
          ObjectMeta meta = new ObjectMeta(t.bucket(), t.key(), received.size(), received.md5Hex(),
              contentType(req), userMetadata(req), received.chunks(), System.currentTimeMillis());
          return ask(StorageBus.OBJECT_COMMIT, new StorageBus.Commit(meta)).map(old -> meta);
        })
        .compose(meta -> {
          LOG.debug("put {} {} {}", kv("bucket", t.bucket()), kv("key", t.key()), kv("size", meta.size()));
          req.response().putHeader("ETag", "\"" + meta.etag() + "\"");
          return empty(req, 200);
        });
  }

  private Future<Void> getObject(HttpServerRequest req, Target t, boolean head) {
    return this.<ObjectMeta>ask(StorageBus.OBJECT_GET, new StorageBus.ObjectName(t.bucket(), t.key()))
        .compose(meta -> {
          ByteRange range = ByteRange.parse(req.getHeader("Range"), meta.size());
          HttpServerResponse resp = req.response();
          Runnable headers = () -> {
            resp.setStatusCode(range == null ? 200 : 206)
                .putHeader("Content-Length", Long.toString(range == null ? meta.size() : range.length()))
                .putHeader("ETag", "\"" + meta.etag() + "\"")
                .putHeader("Last-Modified", HTTP_DATE.format(Instant.ofEpochMilli(meta.createdAt())))
                .putHeader("Content-Type", meta.contentType())
                .putHeader("Accept-Ranges", "bytes");
            if (range != null) {
              resp.putHeader("Content-Range", "bytes " + range.start() + "-" + range.endInclusive() + "/" + meta.size());
            }
            meta.userMetadata().forEach((k, v) -> resp.putHeader("x-amz-meta-" + k, v));
          };
          if (head) {
            headers.run();
            return resp.end();
          }
          String node = meta.chunks().isEmpty() ? placement.uploadNode()
              : placement.nodesFor(meta.chunks().get(0).hash()).get(0);
          return ObjectDownload.send(vertx, resp, meta, range, node, settings.timeout(), headers);
        });
  }

  private static Map<String, String> userMetadata(HttpServerRequest req) {
    Map<String, String> meta = new LinkedHashMap<>();
    req.headers().forEach(h -> {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("x-amz-meta-")) {
        meta.put(name.substring("x-amz-meta-".length()), h.getValue());
      }
    });
    return meta;
  }

  private <T> Future<T> ask(String address, Object message) {
    return Bus.request(vertx, address, message, settings.timeout(), null);
  }

  private static Future<Void> empty(HttpServerRequest req, int status) {
    return req.response().setStatusCode(status).end();
  }

  private static Future<Void> xml(HttpServerRequest req, int status, String body) {
    return req.response().setStatusCode(status).putHeader("Content-Type", "application/xml").end(body);
  }

  private static Future<Void> notImplemented() {
    return Future.failedFuture(new S3Exception(501, "NotImplemented", "this operation is not implemented yet"));
  }

  private void fail(HttpServerRequest req, S3Exception e, String resource, String requestId) {
    HttpServerResponse resp = req.response();
    if (resp.headWritten()) {
      resp.reset();
      return;
    }
    if (e.status() >= 500) {
      LOG.warn("s3 {} {} {} {}", kv("requestId", requestId), kv("code", e.code()), kv("path", resource),
          kv("error", e.getMessage()));
    }
    resp.setStatusCode(e.status()).putHeader("Content-Type", "application/xml");
    if (!req.isEnded()) {
      resp.putHeader("Connection", "close"); // the unread body is not worth draining
    }
    if (req.method() == HttpMethod.HEAD) {
      resp.end();
    } else {
      resp.end(S3Xml.error(e.code(), e.getMessage(), resource, requestId));
    }
    if (!req.isEnded()) {
      req.resume();
    }
  }

  /** Percent-decoding of a path: '+' stays '+' (S3 paths are not form-encoded). */
  static String decodePath(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    byte[] out = new byte[raw.length()];
    int n = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && i + 2 < raw.length()) {
        try {
          out[n++] = (byte) Integer.parseInt(raw.substring(i + 1, i + 3), 16);
          i += 2;
          continue;
        } catch (NumberFormatException e) {
          throw S3Exception.invalidArgument("bad percent-encoding in the path");
        }
      }
      for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
        if (n == out.length) {
          out = java.util.Arrays.copyOf(out, out.length * 2 + 4);
        }
        out[n++] = b;
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  static Map<String, List<String>> parseQuery(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decodePath(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decodePath(pair.substring(eq + 1));
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }
}

package io.cairn.s3;

import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import io.cairn.objects.ObjectCatalog;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Buckets and listings: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, the canned ACL,
 * GetBucketLocation, GetBucketVersioning, ListObjects (v1, v2), ListObjectVersions, DeleteObjects.
 */
final class BucketOperations {
  private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final int MAX_KEYS = 1000;
  private final ObjectStoreClient store;
  private final S3Bodies bodies;
  private final String owner;
  private final String region;

  BucketOperations(ObjectStoreClient store, S3Bodies bodies, String owner, String region) {
    this.store = store;
    this.bodies = bodies;
    this.owner = owner;
    this.region = region;
  }

  Future<Void> listBuckets(HttpServerRequest req) {
    return store.buckets().compose(b -> S3Replies.xml(req, 200, S3Xml.buckets(b, owner)));
  }

  /** Creating a bucket this (single) owner already has is 200 in us-east-1, as AWS answers there. */
  Future<Void> create(HttpServerRequest req, S3Target t) {
    if (!BUCKET_NAME.matcher(t.bucket()).matches() || t.bucket().contains("..")
        || S3Limits.isIpAddress(t.bucket())) {
      return Future.failedFuture(new S3Exception(400, "InvalidBucketName", "bucket names are 3-63 lower-case letters,"
          + " digits, dots and hyphens, and not an IP address"));
    }
    Boolean open = publicRead(req);
    req.resume();
    return S3Limits.boundedBody(req)
        .compose(ignoredLocationConstraint -> store.createBucket(t.bucket(), Boolean.TRUE.equals(open)).<Void>mapEmpty()
            .recover(e -> "us-east-1".equals(region) && CairnException.from(e).code() == ErrorCode.ALREADY_EXISTS
                ? Future.succeededFuture() : Future.failedFuture(e)))
        .compose(b -> {
          req.response().putHeader("Location", "/" + t.bucket());
          return S3Replies.empty(req, 200);
        });
  }

  Future<Void> setAcl(HttpServerRequest req, S3Target t) {
    Boolean open = publicRead(req);
    req.resume();
    return store.setPublicRead(t.bucket(), Boolean.TRUE.equals(open)).compose(b -> S3Replies.empty(req, 200));
  }

  Future<Void> head(HttpServerRequest req, S3Target t) {
    return store.bucket(t.bucket()).compose(b -> {
      req.response().putHeader("x-amz-bucket-region", region);
      return S3Replies.empty(req, 200);
    });
  }

  Future<Void> delete(HttpServerRequest req, S3Target t) {
    return store.deleteBucket(t.bucket()).compose(b -> S3Replies.empty(req, 204));
  }

  Future<Void> location(HttpServerRequest req, S3Target t) {
    return store.bucket(t.bucket()).compose(b -> S3Replies.xml(req, 200, S3Xml.location(region)));
  }

  Future<Void> versioning(HttpServerRequest req, S3Target t) {
    return store.bucket(t.bucket()).compose(b -> S3Replies.xml(req, 200, S3Xml.versioning()));
  }

  Future<Void> uploads(HttpServerRequest req, S3Target t) {
    return store.uploads(t.bucket()).compose(u -> S3Replies.xml(req, 200, S3Xml.uploads(t.bucket(), u)));
  }

  /** Canned ACLs Cairn understands: private (default) and public-read. */
  static Boolean publicRead(HttpServerRequest req) {
    String acl = req.getHeader("x-amz-acl");
    if (acl == null || acl.equals("private")) {
      return acl == null ? null : false;
    }
    if (acl.equals("public-read")) {
      return true;
    }
    throw new S3Exception(501, "NotImplemented", "canned ACL '" + acl + "' is not supported (use private or public-read)");
  }

  private static int maxKeys(S3Target t) {
    if (t.param("max-keys") == null) {
      return MAX_KEYS;
    }
    int max;
    try {
      max = Integer.parseInt(t.param("max-keys"));
    } catch (NumberFormatException e) {
      throw S3Exception.invalidArgument("max-keys must be a whole number");
    }
    if (max < 0) {
      throw S3Exception.invalidArgument("max-keys must not be negative");
    }
    return Math.min(MAX_KEYS, max);
  }

  private static S3Xml.KeyEncoder encoder(S3Target t) {
    String type = t.param("encoding-type");
    if (type != null && !type.equals("url")) {
      throw S3Exception.invalidArgument("encoding-type must be url");
    }
    return type != null ? k -> SigV4.uriEncode(k, false) : k -> k;
  }

  Future<Void> listObjects(HttpServerRequest req, S3Target t) {
    boolean v2 = "2".equals(t.param("list-type"));
    String prefix = t.param("prefix") == null ? "" : t.param("prefix");
    String delimiter = t.param("delimiter");
    int max = maxKeys(t);
    String token = t.param("continuation-token");
    String startAfter = v2 ? t.param("start-after") : t.param("marker");
    String after;
    try {
      after = token != null ? new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8) : startAfter;
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(S3Exception.invalidArgument("the continuation token is not one this server issued"));
    }
    S3Xml.KeyEncoder enc = encoder(t);
    boolean url = t.param("encoding-type") != null;
    String listedOwner = !v2 || "true".equals(t.param("fetch-owner")) ? owner : null;
    if (max == 0) {
      return S3Replies.xml(req, 200, S3Xml.listing(t.bucket(), new ObjectCatalog.Listing(List.of(), List.of(), false,
          null), v2, prefix, delimiter, 0, startAfter, token, null, startAfter, enc, url, listedOwner));
    }
    return store.list(t.bucket(), prefix, delimiter, after, max).compose(l -> {
      String next = v2 && l.truncated() ? Base64.getUrlEncoder().withoutPadding()
          .encodeToString(l.lastKey().getBytes(StandardCharsets.UTF_8)) : null;
      return S3Replies.xml(req, 200, S3Xml.listing(t.bucket(), l, v2, prefix, delimiter, max, startAfter, token, next,
          v2 ? startAfter : null, enc, url, listedOwner));
    });
  }

  /** Without versioning every object has one version, "null": the listing by key, in the versions shape. */
  Future<Void> listVersions(HttpServerRequest req, S3Target t) {
    String prefix = t.param("prefix") == null ? "" : t.param("prefix");
    String delimiter = t.param("delimiter");
    int max = maxKeys(t);
    String keyMarker = t.param("key-marker");
    S3Xml.KeyEncoder enc = encoder(t);
    boolean url = t.param("encoding-type") != null;
    if (max == 0) {
      return S3Replies.xml(req, 200, S3Xml.versions(t.bucket(), new ObjectCatalog.Listing(List.of(), List.of(), false,
          null), prefix, delimiter, 0, keyMarker, enc, url, owner));
    }
    return store.list(t.bucket(), prefix, delimiter, keyMarker, max).compose(l ->
        S3Replies.xml(req, 200, S3Xml.versions(t.bucket(), l, prefix, delimiter, max, keyMarker, enc, url, owner)));
  }

  Future<Void> deleteObjects(HttpServerRequest req, S3Target t, SigV4.Verified auth) {
    return bodies.verified(req, auth).map(S3Requests::deleteKeys).compose(list -> {
      List<String> deleted = new ArrayList<>();
      Map<String, S3Exception> failed = new LinkedHashMap<>();
      Future<Void> chain = Future.succeededFuture();
      for (String key : list.keys()) {
        chain = chain.compose(v -> store.deleteObject(t.bucket(), key).transform(ar -> {
          if (ar.succeeded()) {
            deleted.add(key);
          } else {
            failed.put(key, S3Exception.from(ar.cause()));
          }
          return Future.succeededFuture();
        }));
      }
      return chain.compose(v -> S3Replies.xml(req, 200, S3Xml.deleted(deleted, failed, list.quiet())));
    });
  }
}

package io.cairn.s3;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/** Maps an authenticated S3 request (method, bucket, key, sub-resource) to its operation. */
final class S3Dispatcher {
  private final ObjectStoreClient store;
  private final BucketOperations buckets;
  private final ObjectOperations objects;
  private final MultipartOperations multipart;

  S3Dispatcher(ObjectStoreClient store, BucketOperations buckets, ObjectOperations objects,
      MultipartOperations multipart) {
    this.store = store;
    this.buckets = buckets;
    this.objects = objects;
    this.multipart = multipart;
  }

  /** Unsigned requests may only read (GET/HEAD objects, list) a bucket whose ACL is public-read. */
  Future<Void> anonymous(HttpServerRequest req, S3Target t) {
    boolean read = req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD;
    boolean plainRead = read && t.bucket() != null && !t.has("uploads") && !t.has("uploadId") && !t.has("acl")
        && !t.has("versioning") && !t.has("location") && !ObjectHeaders.overridden(t);
    if (!plainRead) {
      return Future.failedFuture(S3Exception.accessDenied("anonymous requests may only read public-read buckets"));
    }
    return store.bucket(t.bucket())
        .recover(e -> Future.failedFuture(S3Exception.accessDenied("access denied")))
        .compose(b -> b.publicRead() ? dispatch(req, t, SigV4.Verified.anonymous())
            : Future.failedFuture(S3Exception.accessDenied("the bucket is not public-read")));
  }

  Future<Void> dispatch(HttpServerRequest req, S3Target t, SigV4.Verified auth) {
    HttpMethod m = req.method();
    if (t.bucket() == null) {
      return m == HttpMethod.GET ? buckets.listBuckets(req) : S3Replies.notImplemented();
    }
    return t.key() == null ? bucket(req, t, auth, m) : object(req, t, auth, m);
  }

  private Future<Void> bucket(HttpServerRequest req, S3Target t, SigV4.Verified auth, HttpMethod m) {
    if (m == HttpMethod.PUT) {
      return t.has("acl") ? buckets.setAcl(req, t) : buckets.create(req, t);
    } else if (m == HttpMethod.HEAD) {
      return buckets.head(req, t);
    } else if (m == HttpMethod.DELETE) {
      return buckets.delete(req, t);
    } else if (m == HttpMethod.POST && t.has("delete")) {
      return buckets.deleteObjects(req, t, auth);
    } else if (m == HttpMethod.GET) {
      if (t.has("uploads")) {
        return buckets.uploads(req, t);
      } else if (t.has("location")) {
        return buckets.location(req, t);
      } else if (t.has("versioning")) {
        return buckets.versioning(req, t);
      } else if (t.has("versions")) {
        return buckets.listVersions(req, t);
      }
      return buckets.listObjects(req, t);
    }
    return S3Replies.notImplemented();
  }

  private Future<Void> object(HttpServerRequest req, S3Target t, SigV4.Verified auth, HttpMethod m) {
    if (t.has("uploads") && m == HttpMethod.POST) {
      return multipart.create(req, t);
    }
    if (t.has("uploadId")) {
      if (m == HttpMethod.POST) {
        return multipart.complete(req, t, auth);
      } else if (m == HttpMethod.PUT) {
        return req.headers().contains("x-amz-copy-source") ? multipart.uploadPartCopy(req, t)
            : multipart.uploadPart(req, t, auth);
      } else if (m == HttpMethod.DELETE) {
        return multipart.abort(req, t);
      } else if (m == HttpMethod.GET) {
        return multipart.parts(req, t);
      }
      return S3Replies.notImplemented();
    }
    if (m == HttpMethod.PUT) {
      return req.headers().contains("x-amz-copy-source") ? objects.copy(req, t) : objects.put(req, t, auth);
    } else if (m == HttpMethod.GET || m == HttpMethod.HEAD) {
      return objects.get(req, t, m == HttpMethod.HEAD);
    } else if (m == HttpMethod.DELETE) {
      return objects.delete(req, t);
    }
    return S3Replies.notImplemented();
  }
}

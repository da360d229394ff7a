package io.cairn.s3;

import io.cairn.objects.MultipartUpload;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/** Multipart uploads: create, upload a part, complete, abort, list parts. */
final class MultipartOperations {
  private final ObjectStoreClient store;
  private final S3Bodies bodies;

  MultipartOperations(ObjectStoreClient store, S3Bodies bodies) {
    this.store = store;
    this.bodies = bodies;
  }

  Future<Void> create(HttpServerRequest req, S3Target t) {
    ObjectHeaders headers = ObjectHeaders.from(req.headers());
    return store.createUpload(t.bucket(), t.key(), headers)
        .compose(u -> S3Replies.xml(req, 200, S3Xml.initiated(t.bucket(), t.key(), u.uploadId())));
  }

  Future<Void> uploadPart(HttpServerRequest req, S3Target t, SigV4.Verified auth) {
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
    return store.parts(t.bucket(), t.key(), uploadId)
        .compose(x -> bodies.receive(req, auth))
        .compose(r -> store.putPart(t.bucket(), t.key(), new MultipartUpload.Part(uploadId, partNumber, r.size(),
            r.md5Hex(), r.chunks(), System.currentTimeMillis())).map(x -> r))
        .compose(r -> {
          req.response().putHeader("ETag", "\"" + r.md5Hex() + "\"");
          r.checksums().forEach(req.response()::putHeader);
          return S3Replies.empty(req, 200);
        });
  }

  Future<Void> complete(HttpServerRequest req, S3Target t, SigV4.Verified auth) {
    return bodies.verified(req, auth)
        .map(S3Requests::completeParts)
        .compose(parts -> store.complete(t.bucket(), t.key(), t.param("uploadId"), parts))
        .compose(meta -> S3Replies.xml(req, 200, S3Xml.completed(t.bucket(), t.key(), meta.etag())));
  }

  Future<Void> abort(HttpServerRequest req, S3Target t) {
    return store.abort(t.bucket(), t.key(), t.param("uploadId")).compose(x -> S3Replies.empty(req, 204));
  }

  Future<Void> parts(HttpServerRequest req, S3Target t) {
    return store.parts(t.bucket(), t.key(), t.param("uploadId"))
        .compose(p -> S3Replies.xml(req, 200, S3Xml.parts(t.bucket(), t.key(), t.param("uploadId"), p)));
  }
}

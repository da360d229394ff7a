package io.cairn.s3;

import io.cairn.objects.MultipartUpload;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;

/** Multipart uploads: create, upload a part, complete, abort, list parts. */
final class MultipartOperations {
  private final ObjectStoreClient store;
  private final S3Bodies bodies;
  private final PartCopy partCopy;

  MultipartOperations(ObjectStoreClient store, S3Bodies bodies, PartCopy partCopy) {
    this.store = store;
    this.bodies = bodies;
    this.partCopy = partCopy;
  }

  Future<Void> create(HttpServerRequest req, S3Target t) {
    ObjectHeaders headers = ObjectHeaders.from(req.headers());
    return store.createUpload(t.bucket(), t.key(), headers)
        .compose(u -> S3Replies.xml(req, 200, S3Xml.initiated(t.bucket(), t.key(), u.uploadId())));
  }

  private static int partNumber(S3Target t) {
    int partNumber;
    try {
      partNumber = Integer.parseInt(t.param("partNumber"));
    } catch (NumberFormatException | NullPointerException e) {
      throw S3Exception.invalidArgument("partNumber must be a whole number from 1 to 10000");
    }
    if (partNumber < 1 || partNumber > 10_000) {
      throw S3Exception.invalidArgument("partNumber must be a whole number from 1 to 10000");
    }
    return partNumber;
  }

  /** UploadPartCopy: the part's bytes come from an existing object, whole or a byte range of it. */
  Future<Void> uploadPartCopy(HttpServerRequest req, S3Target t) {
    int partNumber = partNumber(t);
    String[] source = ObjectOperations.copySource(req);
    String rangeHeader = req.getHeader("x-amz-copy-source-range");
    String uploadId = t.param("uploadId");
    req.resume();
    return store.parts(t.bucket(), t.key(), uploadId)
        .compose(x -> store.object(source[0], source[1]))
        .compose(src -> {
          ObjectOperations.copySourceConditions(req, src);
          return partCopy.copy(src, copyRange(rangeHeader, src.size()));
        })
        .compose(copied -> store.putPart(t.bucket(), t.key(), new MultipartUpload.Part(uploadId, partNumber,
            copied.size(), copied.md5Hex(), copied.chunks(), System.currentTimeMillis())).map(x -> copied))
        .compose(copied -> S3Replies.xml(req, 200, S3Xml.copiedPart(copied.md5Hex(), System.currentTimeMillis())));
  }

  /** x-amz-copy-source-range: exactly bytes=FIRST-LAST, inside the source; null: the whole source. */
  static ByteRange copyRange(String header, long size) {
    if (header == null) {
      return null;
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes=(\\d+)-(\\d+)").matcher(header.trim());
    if (!m.matches()) {
      throw S3Exception.invalidArgument("x-amz-copy-source-range must be bytes=FIRST-LAST");
    }
    long first;
    long last;
    try {
      first = Long.parseLong(m.group(1));
      last = Long.parseLong(m.group(2));
    } catch (NumberFormatException e) {
      throw S3Exception.invalidArgument("x-amz-copy-source-range is out of range");
    }
    if (first > last || last >= size) {
      throw new S3Exception(400, "InvalidArgument", "Range specified is not valid for source object of size: " + size);
    }
    return new ByteRange(first, last);
  }

  Future<Void> uploadPart(HttpServerRequest req, S3Target t, SigV4.Verified auth) {
    int partNumber = partNumber(t);
    String uploadId = t.param("uploadId");
    return store.parts(t.bucket(), t.key(), uploadId)
        .compose(x -> bodies.receive(req, auth))
        .compose(r -> store.putPart(t.bucket(), t.key(), new MultipartUpload.Part(uploadId, partNumber, r.size(),
            r.md5Hex(), r.chunks(), System.currentTimeMillis(), r.checksums())).map(x -> r))
        .compose(r -> {
          req.response().putHeader("ETag", "\"" + r.md5Hex() + "\"");
          r.checksums().forEach(req.response()::putHeader);
          return S3Replies.empty(req, 200);
        });
  }

  Future<Void> complete(HttpServerRequest req, S3Target t, SigV4.Verified auth) {
    String uploadId = t.param("uploadId");
    return bodies.verified(req, auth)
        .map(S3Requests::completeParts)
        .compose(parts -> store.parts(t.bucket(), t.key(), uploadId)
            .map(stored -> composite(stored, parts))
            .otherwise(java.util.Map.of()) // gone: a retried completion, answered from the object
            .compose(checksums -> store.complete(t.bucket(), t.key(), uploadId, parts, checksums)))
        .compose(meta -> S3Replies.xml(req, 200, S3Xml.completed(t.bucket(), t.key(), meta.etag(), meta.checksums())));
  }

  /**
   * S3's composite checksum of a multipart object: the checksum of the parts' checksums (their
   * bytes, in part order), then "-" and the part count. Only when every part named carries one of
   * the same algorithm; CRC64NVME has no composite form in S3 (it combines into a full-object CRC,
   * not done here).
   */
  static java.util.Map<String, String> composite(List<MultipartUpload.Part> stored,
      List<MultipartUpload.PartRef> wanted) {
    java.util.Map<Integer, MultipartUpload.Part> byNumber = new java.util.HashMap<>();
    stored.forEach(p -> byNumber.put(p.partNumber(), p));
    String header = null;
    List<String> values = new java.util.ArrayList<>();
    for (MultipartUpload.PartRef ref : wanted) {
      MultipartUpload.Part part = byNumber.get(ref.partNumber());
      if (part == null || part.checksums().size() != 1) {
        return java.util.Map.of();
      }
      java.util.Map.Entry<String, String> sum = part.checksums().entrySet().iterator().next();
      if (header != null && !header.equals(sum.getKey())) {
        return java.util.Map.of();
      }
      header = sum.getKey();
      values.add(sum.getValue());
    }
    ChecksumAlgorithm algorithm = header == null ? null : ChecksumAlgorithm.ofHeader(header);
    if (algorithm == null || algorithm == ChecksumAlgorithm.CRC64NVME) {
      return java.util.Map.of();
    }
    ChecksumAlgorithm.Hasher hasher = algorithm.newHasher();
    for (String v : values) {
      byte[] raw = java.util.Base64.getDecoder().decode(v);
      hasher.update(raw, 0, raw.length);
    }
    return java.util.Map.of(header, java.util.Base64.getEncoder().encodeToString(hasher.digest()) + "-" + values.size());
  }

  Future<Void> abort(HttpServerRequest req, S3Target t) {
    return store.abort(t.bucket(), t.key(), t.param("uploadId")).compose(x -> S3Replies.empty(req, 204));
  }

  Future<Void> parts(HttpServerRequest req, S3Target t) {
    return store.parts(t.bucket(), t.key(), t.param("uploadId"))
        .compose(p -> S3Replies.xml(req, 200, S3Xml.parts(t.bucket(), t.key(), t.param("uploadId"), p)));
  }
}

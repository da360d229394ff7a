package io.cairn.s3;

import io.cairn.bus.Bus;
import io.cairn.objects.BucketMeta;
import io.cairn.objects.MultipartUpload;
import io.cairn.objects.ObjectCatalog;
import io.cairn.objects.ObjectMeta;
import io.cairn.storage.StorageBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;

/** The object store as the S3 front end uses it: typed calls over the storage component's addresses. */
final class ObjectStoreClient {
  private final Vertx vertx;
  private final Duration timeout;

  ObjectStoreClient(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
  }

  private <T> Future<T> ask(String address, Object message) {
    return Bus.request(vertx, address, message, timeout, null);
  }

  Future<List<BucketMeta>> buckets() {
    return this.<StorageBus.Buckets>ask(StorageBus.BUCKET_LIST, new StorageBus.BucketName("")).map(StorageBus.Buckets::buckets);
  }

  Future<BucketMeta> bucket(String name) {
    return ask(StorageBus.BUCKET_GET, new StorageBus.BucketName(name));
  }

  Future<BucketMeta> createBucket(String name, boolean publicRead) {
    return ask(StorageBus.BUCKET_CREATE, new StorageBus.BucketAcl(name, publicRead));
  }

  Future<BucketMeta> setPublicRead(String name, boolean publicRead) {
    return ask(StorageBus.BUCKET_ACL, new StorageBus.BucketAcl(name, publicRead));
  }

  Future<Void> deleteBucket(String name) {
    return ask(StorageBus.BUCKET_DELETE, new StorageBus.BucketName(name)).mapEmpty();
  }

  Future<ObjectCatalog.Listing> list(String bucket, String prefix, String delimiter, String after, int max) {
    return ask(StorageBus.OBJECT_LIST, new StorageBus.ListObjects(bucket, prefix, delimiter, after, max));
  }

  Future<ObjectMeta> object(String bucket, String key) {
    return ask(StorageBus.OBJECT_GET, new StorageBus.ObjectName(bucket, key));
  }

  /** Reply: the object this replaced, or null. */
  Future<ObjectMeta> commit(ObjectMeta meta) {
    return commit(meta, null);
  }

  Future<ObjectMeta> commit(ObjectMeta meta, ObjectCatalog.WriteCondition condition) {
    return ask(StorageBus.OBJECT_COMMIT, new StorageBus.Commit(meta, condition));
  }

  Future<Void> deleteObject(String bucket, String key) {
    return ask(StorageBus.OBJECT_DELETE, new StorageBus.ObjectName(bucket, key)).mapEmpty();
  }

  Future<List<MultipartUpload.Upload>> uploads(String bucket) {
    return this.<StorageBus.Uploads>ask(StorageBus.UPLOAD_LIST, new StorageBus.BucketName(bucket))
        .map(StorageBus.Uploads::uploads);
  }

  Future<MultipartUpload.Upload> createUpload(String bucket, String key, ObjectHeaders headers) {
    return ask(StorageBus.UPLOAD_CREATE, new StorageBus.CreateUpload(bucket, key, headers.contentType(),
        headers.userMetadata(), headers.system()));
  }

  Future<List<MultipartUpload.Part>> parts(String bucket, String key, String uploadId) {
    return this.<StorageBus.Parts>ask(StorageBus.UPLOAD_PARTS, new StorageBus.UploadRef(bucket, key, uploadId))
        .map(StorageBus.Parts::parts);
  }

  Future<Void> putPart(String bucket, String key, MultipartUpload.Part part) {
    return ask(StorageBus.UPLOAD_PART, new StorageBus.PutPart(bucket, key, part)).mapEmpty();
  }

  Future<ObjectMeta> complete(String bucket, String key, String uploadId, List<MultipartUpload.PartRef> parts,
      java.util.Map<String, String> checksums) {
    return ask(StorageBus.UPLOAD_COMPLETE, new StorageBus.CompleteUpload(bucket, key, uploadId, parts, checksums));
  }

  Future<Void> abort(String bucket, String key, String uploadId) {
    return ask(StorageBus.UPLOAD_ABORT, new StorageBus.UploadRef(bucket, key, uploadId)).mapEmpty();
  }
}

package io.cairn.objects;

import java.util.List;
import java.util.Map;

/**
 * An object's metadata: what S3 shows about it and the chunks its bytes are made of, in order.
 * {@code headers}: the system metadata given when it was written (Cache-Control,
 * Content-Disposition, Content-Encoding, Content-Language, Expires), returned as given.
 * {@code uploadId}: the multipart upload that made it, or null: a retried CompleteMultipartUpload
 * finds its result here. {@code checksums}: the whole-object checksum the client had checked on
 * upload, by its header name (x-amz-checksum-crc32c -> base64), returned when asked for.
 */
public record ObjectMeta(String bucket, String key, long size, String etag, String contentType,
    Map<String, String> userMetadata, List<ChunkRef> chunks, long createdAt, Map<String, String> headers,
    String uploadId, Map<String, String> checksums) {

  public ObjectMeta {
    headers = headers == null ? Map.of() : headers; // objects stored before system metadata was kept
    checksums = checksums == null ? Map.of() : checksums;
  }

  public ObjectMeta(String bucket, String key, long size, String etag, String contentType,
      Map<String, String> userMetadata, List<ChunkRef> chunks, long createdAt, Map<String, String> headers,
      String uploadId) {
    this(bucket, key, size, etag, contentType, userMetadata, chunks, createdAt, headers, uploadId, Map.of());
  }

  public ObjectMeta(String bucket, String key, long size, String etag, String contentType,
      Map<String, String> userMetadata, List<ChunkRef> chunks, long createdAt) {
    this(bucket, key, size, etag, contentType, userMetadata, chunks, createdAt, Map.of(), null);
  }

  public ObjectMeta(String bucket, String key, long size, String etag, String contentType,
      Map<String, String> userMetadata, List<ChunkRef> chunks, long createdAt, Map<String, String> headers) {
    this(bucket, key, size, etag, contentType, userMetadata, chunks, createdAt, headers, null);
  }

  public record ChunkRef(String hash, int size) {}
}

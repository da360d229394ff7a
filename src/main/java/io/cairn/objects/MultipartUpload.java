package io.cairn.objects;

import java.util.List;
import java.util.Map;

/** An upload in progress and its parts; parts reference their chunks like objects do. */
public final class MultipartUpload {
  private MultipartUpload() {}

  /** {@code headers}: the object's system metadata to be (see {@link ObjectMeta#headers()}). */
  public record Upload(String uploadId, String bucket, String key, String contentType, Map<String, String> userMetadata,
      long createdAt, Map<String, String> headers) {
    public Upload {
      headers = headers == null ? Map.of() : headers;
    }
  }

  /** {@code checksums}: the part's checked flexible checksum by header name (empty: none was sent). */
  public record Part(String uploadId, int partNumber, long size, String etag, List<ObjectMeta.ChunkRef> chunks,
      long createdAt, Map<String, String> checksums) {
    public Part {
      checksums = checksums == null ? Map.of() : checksums;
    }

    public Part(String uploadId, int partNumber, long size, String etag, List<ObjectMeta.ChunkRef> chunks,
        long createdAt) {
      this(uploadId, partNumber, size, etag, chunks, createdAt, Map.of());
    }
  }

  /** A part as the client names it when completing: number and ETag (quotes removed). */
  public record PartRef(int partNumber, String etag) {}
}

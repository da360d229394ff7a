package io.cairn.objects;

import java.util.List;
import java.util.Map;

/** An object's metadata: what S3 shows about it and the chunks its bytes are made of, in order. */
public record ObjectMeta(String bucket, String key, long size, String etag, String contentType,
    Map<String, String> userMetadata, List<ChunkRef> chunks, long createdAt) {

  public record ChunkRef(String hash, int size) {}
}

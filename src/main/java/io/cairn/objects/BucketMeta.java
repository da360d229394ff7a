package io.cairn.objects;

/** A bucket; {@code publicRead} lets anonymous clients read its objects. */
public record BucketMeta(String name, long createdAt, boolean publicRead) {}

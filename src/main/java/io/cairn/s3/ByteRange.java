package io.cairn.s3;

/**
 * One HTTP byte range resolved against an object's size: {@code bytes=a-b}, {@code bytes=a-},
 * {@code bytes=-n}. Unsatisfiable ranges are S3's InvalidRange (416); a malformed header or several
 * ranges are ignored (the whole object is served), as S3 does.
 */
public record ByteRange(long start, long endInclusive) {
  public long length() {
    return endInclusive - start + 1;
  }

  /** Null means: serve the whole object. */
  public static ByteRange parse(String header, long size) {
    if (header == null || !header.startsWith("bytes=") || header.contains(",")) {
      return null;
    }
    String spec = header.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    String a = spec.substring(0, dash).trim();
    String b = spec.substring(dash + 1).trim();
    try {
      if (a.isEmpty()) {
        if (b.isEmpty()) {
          return null;
        }
        long suffix = Long.parseLong(b);
        if (suffix <= 0 || size == 0) {
          throw invalid(size);
        }
        return new ByteRange(Math.max(0, size - suffix), size - 1);
      }
      long start = Long.parseLong(a);
      if (start < 0 || (!b.isEmpty() && Long.parseLong(b) < start)) {
        return null; // syntactically invalid: ignored, as RFC 9110 says
      }
      if (start >= size) {
        throw invalid(size);
      }
      long end = b.isEmpty() ? size - 1 : Long.parseLong(b);
      return new ByteRange(start, Math.min(end, size - 1));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static S3Exception invalid(long size) {
    return new S3Exception(416, "InvalidRange", "the requested range is not satisfiable (object size " + size + ")");
  }
}

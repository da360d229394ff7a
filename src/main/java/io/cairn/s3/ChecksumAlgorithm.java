package io.cairn.s3;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * The whole-object checksums S3 clients send (flexible checksums): CRC32, CRC32C, CRC64/NVME,
 * SHA-1, SHA-256. Values travel as base64 of the big-endian bytes.
 */
enum ChecksumAlgorithm {
  CRC32, CRC32C, CRC64NVME, SHA1, SHA256;

  /** The header (and trailer) carrying this checksum, e.g. x-amz-checksum-crc32c. */
  String header() {
    return "x-amz-checksum-" + name().toLowerCase(Locale.ROOT);
  }

  /** Base64 length of a value: a malformed one is refused before any byte is read. */
  int base64Length() {
    return switch (this) {
      case CRC32, CRC32C -> 8;
      case CRC64NVME -> 12;
      case SHA1 -> 28;
      case SHA256 -> 44;
    };
  }

  static ChecksumAlgorithm named(String name) {
    for (ChecksumAlgorithm a : values()) {
      if (a.name().equalsIgnoreCase(name)) {
        return a;
      }
    }
    return null;
  }

  static ChecksumAlgorithm ofHeader(String header) {
    String h = header.trim().toLowerCase(Locale.ROOT);
    return h.startsWith("x-amz-checksum-") ? named(h.substring("x-amz-checksum-".length())) : null;
  }

  /** A running checksum over bytes given in order. */
  interface Hasher {
    void update(byte[] bytes, int offset, int length);

    byte[] digest();
  }

  Hasher newHasher() {
    return switch (this) {
      case CRC32 -> crc(new CRC32(), 4);
      case CRC32C -> crc(new CRC32C(), 4);
      case CRC64NVME -> new Crc64Nvme();
      case SHA1 -> digest("SHA-1");
      case SHA256 -> digest("SHA-256");
    };
  }

  private static Hasher crc(java.util.zip.Checksum crc, int bytes) {
    return new Hasher() {
      @Override
      public void update(byte[] data, int offset, int length) {
        crc.update(data, offset, length);
      }

      @Override
      public byte[] digest() {
        return bytes == 4 ? java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array()
            : java.nio.ByteBuffer.allocate(8).putLong(crc.getValue()).array();
      }
    };
  }

  private static Hasher digest(String algorithm) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return new Hasher() {
      @Override
      public void update(byte[] data, int offset, int length) {
        md.update(data, offset, length);
      }

      @Override
      public byte[] digest() {
        return md.digest();
      }
    };
  }

  /** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5, init and xorout all ones); the JDK has none. */
  static final class Crc64Nvme implements Hasher {
    private static final long[] TABLE = new long[256];

    static {
      for (int i = 0; i < 256; i++) {
        long c = i;
        for (int k = 0; k < 8; k++) {
          c = (c & 1) != 0 ? (c >>> 1) ^ 0x9a6c9329ac4bc9b5L : c >>> 1;
        }
        TABLE[i] = c;
      }
    }

    private long crc = -1L;

    @Override
    public void update(byte[] data, int offset, int length) {
      long c = crc;
      for (int i = offset; i < offset + length; i++) {
        c = TABLE[(int) ((c ^ data[i]) & 0xff)] ^ (c >>> 8);
      }
      crc = c;
    }

    @Override
    public byte[] digest() {
      return java.nio.ByteBuffer.allocate(8).putLong(~crc).array();
    }
  }
}

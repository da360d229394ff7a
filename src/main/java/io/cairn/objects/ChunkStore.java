package io.cairn.objects;

import com.github.luben.zstd.Zstd;
import io.cairn.model.CairnException;
import io.cairn.model.ErrorCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

/**
 * Content-addressed chunk files: each chunk is named by the SHA-256 of its plain bytes and stored
 * once, compressed when that saves at least 10%, under {@code root/ab/<hash>}. Writes go to a
 * temp file, are fsynced and renamed into place, so a chunk file is always whole ({@link ChunkFiles}). Every read is
 * verified and fails with CHUNK_CORRUPT on a mismatch: against the CRC32C stored in the chunk's
 * header (computed by the CPU's own instructions, as MinIO verifies reads with a fast bitrot hash
 * rather than its content hash), or for chunks written before that against the SHA-256 name; the
 * scrubber ({@link #scrub}) checks the SHA-256 name of every chunk. Blocking: worker threads only.
 */
public final class ChunkStore {
  /** A chunk written before read checksums: verified by its SHA-256 name. */
  private static final byte MAGIC = 'C';
  /** A chunk whose header also holds the CRC32C of its plain bytes. */
  static final byte MAGIC_CRC = 'D';
  static final byte PLAIN = 0;
  private static final byte LZ4 = 1;
  private static final byte ZSTD = 2;
  private static final int HEADER = 1 + 1 + 4;
  static final int HEADER_CRC = HEADER + 4;

  public enum Compression { lz4, zstd, none }

  /** Where a chunk landed: its name, plain size, bytes on disk, and whether this write stored it. */
  public record Stored(String hash, int size, long storedBytes, boolean written) {}

  private final Path root;
  private final Path tmp;
  private final Compression compression;
  private final StorageMetrics metrics;
  private final ChunkFiles files;
  private final LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
  private final LZ4FastDecompressor unlz4 = LZ4Factory.fastestInstance().fastDecompressor();

  public ChunkStore(Path root, Compression compression) throws IOException {
    this(root, compression, StorageMetrics.detached());
  }

  /**
   * Counts what is already on disk, clears half-written temp files from a crash, and moves chunks
   * from the two-level layout of earlier versions ({@code root/ab/cd/<hash>}) into this one.
   */
  public ChunkStore(Path root, Compression compression, StorageMetrics metrics) throws IOException {
    this.root = root;
    this.tmp = root.resolve("tmp");
    this.compression = compression;
    this.metrics = metrics;
    io.cairn.node.PrivateFiles.createDirectories(tmp);
    this.files = new ChunkFiles(tmp);
    // all 256 directories exist before any write: a write never creates one (a mkdir, and a new
    // directory's entry to make durable, cost a chunk write more than its own fsync)
    boolean created = false;
    for (int i = 0; i < 256; i++) {
      Path dir = root.resolve(HexFormat.of().toHexDigits((byte) i));
      if (!Files.isDirectory(dir)) {
        io.cairn.node.PrivateFiles.createDirectories(dir);
        created = true;
      }
    }
    if (created) {
      ChunkFiles.syncDirectory(root);
    }
    java.util.Set<Path> moved = new java.util.HashSet<>();
    try (Stream<Path> walk = Files.walk(root, 3)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        String name = p.getFileName().toString();
        if (p.startsWith(tmp) || name.endsWith(ChunkFiles.TEMP_SUFFIX)) {
          Files.deleteIfExists(p); // half-written by a crash (older versions wrote them under tmp)
        } else if (name.length() == 64) {
          Path current = path(name);
          if (!p.equals(current)) { // the older layout: the rename is atomic, so a crash leaves it in either place
            Files.move(p, current, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            moved.add(current.getParent());
            moved.add(p.getParent());
          }
          metrics.chunks.incrementAndGet();
          metrics.storedBytes.addAndGet(Files.size(current));
        }
      }
    }
    for (Path dir : moved) {
      if (dir.getParent().equals(root)) {
        ChunkFiles.syncDirectory(dir);
      } else {
        Files.deleteIfExists(dir); // an emptied directory of the older layout
        ChunkFiles.syncDirectory(dir.getParent());
      }
    }
  }

  public static String sha256Hex(byte[] data, int offset, int length) {
    MessageDigest sha = sha256();
    sha.update(data, offset, length);
    return HexFormat.of().formatHex(sha.digest());
  }

  static MessageDigest sha256() {
    return digest("SHA-256");
  }

  public static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public Path path(String hash) {
    return root.resolve(hash.substring(0, 2)).resolve(hash);
  }

  /** Stores the bytes unless a chunk with the same hash is already here (dedup). */
  public Stored put(byte[] data, int length) throws IOException {
    String hash = sha256Hex(data, 0, length);
    Path target = path(hash);
    if (Files.exists(target)) {
      return new Stored(hash, length, Files.size(target), false);
    }
    ByteBuffer[] encoded = encode(data, length);
    long encodedLength = encoded[0].remaining() + encoded[1].remaining();
    if (!files.write(target, encoded)) {
      return new Stored(hash, length, Files.size(target), false); // another writer stored it meanwhile
    }
    metrics.chunks.incrementAndGet();
    metrics.storedBytes.addAndGet(encodedLength);
    return new Stored(hash, length, encodedLength, true);
  }

  /** Whether chunk files are written with O_DIRECT (false where the file system refuses it). */
  public boolean directWrites() {
    return files.direct();
  }

  /** Header and payload, kept apart so plain chunks are not copied before the write. */
  private ByteBuffer[] encode(byte[] data, int length) {
    byte codec = PLAIN;
    byte[] payload = null;
    int payloadLength = length;
    if (compression != Compression.none && length > 64) {
      byte[] packed;
      int packedLength;
      if (compression == Compression.lz4) {
        packed = new byte[lz4.maxCompressedLength(length)];
        packedLength = lz4.compress(data, 0, length, packed, 0);
      } else {
        packed = new byte[(int) Zstd.compressBound(length)];
        packedLength = (int) Zstd.compressByteArray(packed, 0, packed.length, data, 0, length, 3);
      }
      if (packedLength <= length * 0.9) {
        codec = compression == Compression.lz4 ? LZ4 : ZSTD;
        payload = packed;
        payloadLength = packedLength;
      }
    }
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(data, 0, length);
    ByteBuffer header = ByteBuffer.allocate(HEADER_CRC).put(MAGIC_CRC).put(codec).putInt(length)
        .putInt((int) crc.getValue()).flip();
    return new ByteBuffer[] {header, ByteBuffer.wrap(payload == null ? data : payload, 0, payloadLength)};
  }

  /** A chunk's plain bytes: {@code length} bytes of {@code array} from {@code offset}. */
  public record Slice(byte[] array, int offset, int length) {
    public byte[] copy() {
      return offset == 0 && length == array.length ? array : java.util.Arrays.copyOfRange(array, offset, offset + length);
    }
  }

  /** The chunk's plain bytes, verified by their CRC32C (or, for older chunks, their SHA-256 name). */
  public byte[] get(String hash) throws IOException {
    return read(hash, false).copy();
  }

  /**
   * The same, without copying an uncompressed chunk out of the file's bytes: the slice points into
   * the array the file was read into (what a GET sends).
   */
  public Slice slice(String hash) throws IOException {
    return read(hash, false);
  }

  /** The chunk's plain bytes, verified against its SHA-256 name whatever its header holds (scrubbing). */
  public byte[] scrub(String hash) throws IOException {
    return read(hash, true).copy();
  }

  private Slice read(String hash, boolean byName) throws IOException {
    Path file = path(hash);
    if (!Files.exists(file)) {
      throw new CairnException(ErrorCode.NOT_FOUND, "chunk " + hash + " is not on this node");
    }
    byte[] raw = Files.readAllBytes(file);
    Slice plain;
    boolean crcChecked;
    try {
      crcChecked = raw.length > 0 && raw[0] == MAGIC_CRC;
      plain = decode(raw);
    } catch (RuntimeException e) {
      throw corrupt(hash, "cannot be decoded");
    }
    if (crcChecked) {
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(plain.array(), plain.offset(), plain.length());
      if ((int) crc.getValue() != ByteBuffer.wrap(raw, HEADER, 4).getInt()) {
        throw corrupt(hash, "content does not match its CRC32C");
      }
    }
    if ((byName || !crcChecked) && !sha256Hex(plain.array(), plain.offset(), plain.length()).equals(hash)) {
      throw corrupt(hash, "content does not match its hash");
    }
    return plain;
  }

  static CairnException corrupt(String hash, String why) {
    return new CairnException(ErrorCode.CHUNK_CORRUPT, "chunk " + hash + " " + why);
  }

  private Slice decode(byte[] raw) {
    ByteBuffer in = ByteBuffer.wrap(raw);
    byte magic = in.get();
    if (magic != MAGIC && magic != MAGIC_CRC) {
      throw new IllegalStateException("bad magic");
    }
    byte codec = in.get();
    int length = in.getInt();
    int header = magic == MAGIC_CRC ? HEADER_CRC : HEADER;
    if (codec == PLAIN) {
      if (raw.length - header != length) {
        throw new IllegalStateException("length does not match the header");
      }
      return new Slice(raw, header, length); // no copy: the payload is the plain bytes
    }
    byte[] plain = new byte[length];
    switch (codec) {
      case LZ4 -> unlz4.decompress(raw, header, plain, 0, length);
      case ZSTD -> {
        long n = Zstd.decompressByteArray(plain, 0, length, raw, header, raw.length - header);
        if (n != length) {
          throw new IllegalStateException("short zstd frame");
        }
      }
      default -> throw new IllegalStateException("unknown codec " + codec);
    }
    return new Slice(plain, 0, length);
  }

  /** Deletes the chunk; returns the bytes freed. */
  public long delete(String hash) throws IOException {
    Path p = path(hash);
    long size = Files.exists(p) ? Files.size(p) : 0;
    if (Files.deleteIfExists(p)) {
      metrics.chunks.decrementAndGet();
      metrics.storedBytes.addAndGet(-size);
      return size;
    }
    return 0;
  }

  public boolean exists(String hash) {
    return Files.exists(path(hash));
  }

  public long ageMillis(String hash) throws IOException {
    return System.currentTimeMillis() - Files.getLastModifiedTime(path(hash)).toMillis();
  }

  /** Every stored chunk's hash (for GC and scrub). */
  public List<String> hashes() throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(root, 3)) {
      return walk.filter(Files::isRegularFile).filter(p -> !p.startsWith(tmp))
          .map(p -> p.getFileName().toString()).filter(n -> n.length() == 64).toList();
    }
  }

  public long storedBytes(String hash) throws IOException {
    Path p = path(hash);
    return Files.exists(p) ? Files.size(p) : 0;
  }
}

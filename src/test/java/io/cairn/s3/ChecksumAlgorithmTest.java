package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The checksums against their published check values (the CRC catalogue's "123456789"). */
class ChecksumAlgorithmTest {
  static String hex(ChecksumAlgorithm a, String input) {
    ChecksumAlgorithm.Hasher h = a.newHasher();
    byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
    // in two pieces: a running checksum must not depend on how the bytes arrive
    int half = bytes.length / 2;
    h.update(bytes, 0, half);
    h.update(bytes, half, bytes.length - half);
    return HexFormat.of().formatHex(h.digest());
  }

  @Test
  void checkValuesMatchTheCatalogue() {
    assertThat(hex(ChecksumAlgorithm.CRC32, "123456789")).isEqualTo("cbf43926");
    assertThat(hex(ChecksumAlgorithm.CRC32C, "123456789")).isEqualTo("e3069283");
    assertThat(hex(ChecksumAlgorithm.CRC64NVME, "123456789")).isEqualTo("ae8b14860a799888");
    assertThat(hex(ChecksumAlgorithm.SHA1, "abc")).isEqualTo("a9993e364706816aba3e25717850c26c9cd0d89d");
    assertThat(hex(ChecksumAlgorithm.SHA256, "abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void headerNamesAndValueLengthsAreS3s() {
    assertThat(ChecksumAlgorithm.CRC64NVME.header()).isEqualTo("x-amz-checksum-crc64nvme");
    assertThat(ChecksumAlgorithm.ofHeader("X-Amz-Checksum-Crc32c")).isEqualTo(ChecksumAlgorithm.CRC32C);
    for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
      assertThat(java.util.Base64.getEncoder().encodeToString(a.newHasher().digest())).hasSize(a.base64Length());
    }
  }
}

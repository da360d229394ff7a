package io.cairn.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;

/** Ranges always fall inside the object, or are refused with InvalidRange, or are ignored. */
class ByteRangePropertyTest {
  @Test
  void resolvedRangesStayInsideTheObject() {
    qt().forAll(longs().between(0, 1L << 40), longs().between(-5, 1L << 40), longs().between(-5, 1L << 40))
        .checkAssert((size, a, b) -> {
          for (String header : new String[] {"bytes=" + a + "-" + b, "bytes=" + a + "-", "bytes=-" + b}) {
            try {
              ByteRange r = ByteRange.parse(header, size);
              if (r != null) {
                assertThat(r.start()).isBetween(0L, size - 1);
                assertThat(r.endInclusive()).isBetween(r.start(), size - 1);
              }
            } catch (S3Exception e) {
              assertThat(e.code()).isEqualTo("InvalidRange");
              assertThat(e.status()).isEqualTo(416);
            }
          }
        });
  }

  @Test
  void knownCases() {
    assertThat(ByteRange.parse("bytes=0-9", 100)).isEqualTo(new ByteRange(0, 9));
    assertThat(ByteRange.parse("bytes=90-", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.parse("bytes=-10", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.parse("bytes=-1000", 100)).isEqualTo(new ByteRange(0, 99));
    assertThat(ByteRange.parse("bytes=50-1000", 100)).isEqualTo(new ByteRange(50, 99));
    assertThat(ByteRange.parse("bytes=5-3", 100)).isNull();
    assertThat(ByteRange.parse("bytes=0-1,5-6", 100)).isNull();
    assertThat(ByteRange.parse("items=0-1", 100)).isNull();
    assertThatThrownBy(() -> ByteRange.parse("bytes=100-", 100)).isInstanceOf(S3Exception.class);
  }
}

package io.cairn.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QuantitiesAndDurationsTest {
  @Test
  void durationsParseGoStyleAndRoundTrip() {
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
    for (String bad : new String[] {"", "10", "-5s", "1.5s", "10 s", "s", "1y", "99999999999d"}) {
      assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    qt().forAll(longs().between(0, 3_650L * 86_400_000)).checkAssert(ms ->
        assertThat(Durations.parse(Durations.format(Duration.ofMillis(ms)))).isEqualTo(Duration.ofMillis(ms)));
  }

  @Test
  void quantitiesFollowKubernetesNotation() {
    assertThat(Quantities.parseMillicores("250m")).isEqualTo(250);
    assertThat(Quantities.parseMillicores("0.5")).isEqualTo(500);
    assertThat(Quantities.parseMillicores("2")).isEqualTo(2000);
    assertThat(Quantities.parseBytes("64Mi")).isEqualTo(64L << 20);
    assertThat(Quantities.parseBytes("1G")).isEqualTo(1_000_000_000L);
    assertThat(Quantities.parseBytes("1.5Ki")).isEqualTo(1536);
    for (String bad : new String[] {"", "-1", "1Zi", "lots", "1e9", "99999999999999999Ti"}) {
      assertThatThrownBy(() -> Quantities.parseBytes(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    qt().forAll(longs().between(0, 1L << 50)).checkAssert(b ->
        assertThat(Quantities.parseBytes(Quantities.formatBytes(b))).isEqualTo(b));
    qt().forAll(longs().between(0, 1_000_000_000L)).checkAssert(m ->
        assertThat(Quantities.parseMillicores(Quantities.formatMillicores(m))).isEqualTo(m));
  }

  @org.junit.jupiter.api.Test
  void valuesPastTheLimitsAreReportedAsTooLargeHoweverManyDigitsTheyHave() {
    for (String big : new String[] {"3651d", "9999999999s", "99999999999999999999999d"}) {
      assertThatThrownBy(() -> Durations.parse(big)).as(big).hasMessageContaining("longer than 3650d");
    }
    for (String big : new String[] {"2000Ti", "1125899906842625", "99999999999999999999999"}) {
      assertThatThrownBy(() -> Quantities.parseBytes(big)).as(big).hasMessageContaining("larger than 1Pi");
    }
    for (String big : new String[] {"1000001", "99999999999999999999999m"}) {
      assertThatThrownBy(() -> Quantities.parseMillicores(big)).as(big).hasMessageContaining("more cpu than any node");
    }
  }
}

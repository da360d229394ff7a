package io.cairn.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.config.CairnConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One port's limits: by source (IPv6 per /64), by credential, refusals counted and explained. */
class RateLimitsTest {
  private final AtomicLong clock = new AtomicLong();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private RateLimits limits(double perSecond, int burst) {
    return new RateLimits("api", new CairnConfig.RateLimit(perSecond, burst), meters, clock::get);
  }

  private static SocketAddress from(String host) {
    return SocketAddress.inetSocketAddress(40000, host);
  }

  @Test
  void offLetsEverythingThrough() {
    RateLimits off = limits(0, 1);
    for (int i = 0; i < 1000; i++) {
      assertThat(off.bySource(from("127.0.0.1"))).isEmpty();
      assertThat(off.byCredential("token", "abc")).isEmpty();
    }
    assertThat(meters.get("cairn_http_rate_limited_total").tag("listener", "api").counter().count()).isZero();
  }

  @Test
  void aRefusalSaysWhoWhyAndWhenInWholeSeconds() {
    RateLimits limits = limits(0.4, 2);
    assertThat(limits.bySource(from("10.0.0.1"))).isEmpty();
    assertThat(limits.bySource(from("10.0.0.1"))).isEmpty();
    RateLimits.Refusal r = limits.bySource(from("10.0.0.1")).orElseThrow();
    assertThat(r.retryAfterSeconds()).isEqualTo(3); // 2.5 s, rounded up
    assertThat(r.message()).contains("from 10.0.0.1").contains("limits.requestsPerSecond 0.4")
        .contains("limits.burst 2").contains("retry after 3s");
    clock.addAndGet(2_499_000_000L);
    assertThat(limits.bySource(from("10.0.0.1")).orElseThrow().retryAfterSeconds()).as("never 0").isEqualTo(1);
    assertThat(meters.get("cairn_http_rate_limited_total").tag("listener", "api").counter().count()).isEqualTo(2);
  }

  @Test
  void sourcesAndCredentialsAreCountedApart() {
    RateLimits limits = limits(1, 1);
    assertThat(limits.bySource(from("10.0.0.1"))).isEmpty();
    assertThat(limits.byCredential("token", "10.0.0.1")).as("a credential named like an address").isEmpty();
    assertThat(limits.byCredential("token", "t1")).isEmpty();
    assertThat(limits.byCredential("token", "t1").orElseThrow().message()).contains("with token t1");
    assertThat(limits.byCredential("access key", "t1")).isEmpty();
  }

  @Test
  void ipv6SourcesCountPerSlash64AndMappedIpv4AsIpv4() {
    assertThat(RateLimits.sourceKey(from("2001:db8:1:2:aaaa::1"))).isEqualTo("2001:db8:1:2::/64");
    assertThat(RateLimits.sourceKey(from("2001:db8:1:2:bbbb::9"))).isEqualTo("2001:db8:1:2::/64");
    assertThat(RateLimits.sourceKey(from("2001:db8:1:3::1"))).isEqualTo("2001:db8:1:3::/64");
    assertThat(RateLimits.sourceKey(from("::ffff:192.0.2.7"))).isEqualTo("192.0.2.7");
    assertThat(RateLimits.sourceKey(from("192.0.2.7"))).isEqualTo("192.0.2.7");
    assertThat(RateLimits.sourceKey(null)).isEqualTo("unknown");

    RateLimits limits = limits(1, 1);
    assertThat(limits.bySource(from("2001:db8::1"))).isEmpty();
    assertThat(limits.bySource(from("2001:db8::2"))).as("same /64").isPresent();
  }
}

package io.cairn.net;

import io.cairn.config.CairnConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.NetUtil;
import io.vertx.core.net.SocketAddress;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The request rate limits of one listening port ({@code limits.requestsPerSecond}, {@code limits.burst}):
 * every request counts against its source address, and a request that proved who it is (a valid API
 * token, a verified S3 access key) also against that credential, so a token shared by many addresses
 * is limited as one. Credentials are counted only once verified: guessed ones count against their
 * source alone and cannot fill the credential table.
 *
 * <p>A source is the TCP peer's address (no forwarding header is trusted); IPv6 sources count per /64,
 * the block one host is usually given, so a host cannot take a fresh budget per address. One instance
 * per port, shared by the verticle instances serving it; checks never block (see {@link TokenBuckets}).
 */
public final class RateLimits {
  /** Buckets kept per kind (sources, credentials); past these the least recently used are forgotten. */
  public static final int MAX_KEYS = 10_000;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /** A refused request: when it may try again (whole seconds, at least 1) and a message saying why. */
  public record Refusal(long retryAfterSeconds, String message) {}

  private final CairnConfig.RateLimit settings;
  private final TokenBuckets sources;
  private final TokenBuckets credentials;
  private final Counter limited;

  public RateLimits(String listener, CairnConfig.RateLimit settings, MeterRegistry meters) {
    this(listener, settings, meters, System::nanoTime);
  }

  RateLimits(String listener, CairnConfig.RateLimit settings, MeterRegistry meters, LongSupplier nanoClock) {
    this.settings = settings;
    this.sources = settings.enabled()
        ? new TokenBuckets(settings.requestsPerSecond(), settings.burst(), MAX_KEYS, nanoClock) : null;
    this.credentials = settings.enabled()
        ? new TokenBuckets(settings.requestsPerSecond(), settings.burst(), MAX_KEYS, nanoClock) : null;
    this.limited = Counter.builder("cairn_http_rate_limited_total").tag("listener", listener)
        .description("Requests refused for being over limits.requestsPerSecond (by source or by credential)")
        .register(meters);
  }

  /** Counts a request against its source; empty when it may go ahead. */
  public Optional<Refusal> bySource(SocketAddress remote) {
    if (sources == null) {
      return Optional.empty();
    }
    String source = sourceKey(remote);
    return refusal(sources.take(source), "from " + source);
  }

  /**
   * Counts a request against the credential it proved ({@code kind} "token", "access key"; {@code id}
   * never a secret); empty when it may go ahead.
   */
  public Optional<Refusal> byCredential(String kind, String id) {
    if (credentials == null) {
      return Optional.empty();
    }
    return refusal(credentials.take(kind + " " + id), "with " + kind + " " + id);
  }

  private Optional<Refusal> refusal(long waitNanos, String who) {
    if (waitNanos == 0) {
      return Optional.empty();
    }
    limited.increment();
    long seconds = Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
    return Optional.of(new Refusal(seconds, "too many requests " + who + " (limits.requestsPerSecond "
        + BigDecimal.valueOf(settings.requestsPerSecond()).stripTrailingZeros().toPlainString() + ", limits.burst "
        + settings.burst() + "); retry after " + seconds + "s"));
  }

  /** The address a source is counted by: IPv4 as is, IPv6 by its /64 (IPv4-mapped IPv6 as IPv4). */
  static String sourceKey(SocketAddress remote) {
    String host = remote == null ? null : remote.hostAddress();
    if (host == null) {
      return "unknown";
    }
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
    if (ip == null || ip.length == 4) {
      return host;
    }
    if (isIpv4Mapped(ip)) {
      return NetUtil.bytesToIpAddress(Arrays.copyOfRange(ip, 12, 16));
    }
    Arrays.fill(ip, 8, 16, (byte) 0);
    return NetUtil.bytesToIpAddress(ip) + "/64";
  }

  private static boolean isIpv4Mapped(byte[] ip) {
    for (int i = 0; i < 10; i++) {
      if (ip[i] != 0) {
        return false;
      }
    }
    return ip[10] == (byte) 0xff && ip[11] == (byte) 0xff;
  }
}

package io.cairn.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Name lookups in the test JVM: every name under {@code cairn.test} is 127.0.0.1 (as a wildcard
 * DNS record would make it), so clients can use virtual-host style (bucket.s3.cairn.test) against a
 * node on loopback; every other name goes to the JDK's own resolver. Registered in
 * META-INF/services; nothing outside the tests sees it.
 */
public final class TestDomainResolver extends InetAddressResolverProvider {
  public static final String DOMAIN = "cairn.test";

  @Override
  public InetAddressResolver get(Configuration configuration) {
    InetAddressResolver builtin = configuration.builtinResolver();
    return new InetAddressResolver() {
      @Override
      public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.equals(DOMAIN) || name.endsWith("." + DOMAIN)) {
          return Stream.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}));
        }
        return builtin.lookupByName(host, policy);
      }

      @Override
      public String lookupByAddress(byte[] addr) throws UnknownHostException {
        return builtin.lookupByAddress(addr);
      }
    };
  }

  @Override
  public String name() {
    return "cairn-test-domain";
  }
}

package dev.sluice.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Resolves every name under {@code .test} (RFC 2606: reserved for testing, never in real DNS) to
 * 127.0.0.1, so JDK clients (HttpClient with its own SNI and host name verification) can reach
 * {@code https://app.example.test:PORT/} on loopback, as {@code curl --resolve} does. Everything else
 * goes to the built-in resolver. Registered in {@code META-INF/services} of the test classes.
 */
public final class TestResolver extends InetAddressResolverProvider {
  @Override
  public InetAddressResolver get(Configuration configuration) {
    InetAddressResolver builtin = configuration.builtinResolver();
    return new InetAddressResolver() {
      @Override
      public Stream<InetAddress> lookupByName(String host, LookupPolicy policy)
          throws UnknownHostException {
        if (host.toLowerCase(Locale.ROOT).endsWith(".test")) {
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
    return "sluice-test-resolver";
  }
}

package dev.sluice.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ForwardedHeadersTest {

  /**
   * One row: trust setting, TCP peer, TLS, incoming header lines ("Name: value", in order), the
   * client apply() must return, the header lines expected afterwards (all lines of each named
   * header, in order) and headers that must be gone.
   */
  record Case(
      String name,
      String trust,
      String peer,
      boolean tls,
      List<String> incoming,
      String client,
      List<String> expected,
      List<String> absent) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final String PEER = "203.0.113.7";
  static final String PROXY = "10.0.0.1";
  static final String CIDRS = "10.0.0.0/8, fd00::/8";

  static Stream<Case> cases() {
    return Stream.of(
        // --- nobody trusted: everything comes from the connection
        new Case(
            "none: no incoming headers",
            "none",
            PEER,
            false,
            List.of("Host: example.com"),
            PEER,
            List.of(
                "X-Forwarded-For: " + PEER,
                "X-Real-IP: " + PEER,
                "X-Forwarded-Proto: http",
                "X-Forwarded-Host: example.com",
                "X-Forwarded-Port: 8080"),
            List.of("Forwarded")),
        new Case(
            "none: spoofed forwarding headers are replaced, not appended to",
            "none",
            PEER,
            true,
            List.of(
                "Host: example.com",
                "X-Forwarded-For: 1.1.1.1",
                "X-Forwarded-For: 2.2.2.2",
                "X-Real-IP: 1.1.1.1",
                "X-Forwarded-Proto: http",
                "X-Forwarded-Host: evil.example",
                "X-Forwarded-Port: 1",
                "Forwarded: for=1.1.1.1",
                "X-Forwarded-Prefix: /admin",
                "X-Forwarded-Ssl: on"),
            PEER,
            List.of(
                "X-Forwarded-For: " + PEER,
                "X-Real-IP: " + PEER,
                "X-Forwarded-Proto: https",
                "X-Forwarded-Host: example.com",
                "X-Forwarded-Port: 8080"),
            List.of("Forwarded", "X-Forwarded-Prefix", "X-Forwarded-Ssl")),
        new Case(
            "none: no Host means no X-Forwarded-Host, even a spoofed one",
            "none",
            PEER,
            false,
            List.of("X-Forwarded-Host: evil.example"),
            PEER,
            List.of("X-Forwarded-For: " + PEER),
            List.of("X-Forwarded-Host")),
        new Case(
            "none: IPv6 peer is written compressed without brackets",
            "none",
            "2001:db8:0:0:0:0:0:7",
            false,
            List.of(),
            "2001:db8::7",
            List.of("X-Forwarded-For: 2001:db8::7", "X-Real-IP: 2001:db8::7"),
            List.of()),
        new Case(
            "hops 0 behaves as none",
            "0",
            PEER,
            false,
            List.of("X-Forwarded-For: 1.1.1.1"),
            PEER,
            List.of("X-Forwarded-For: " + PEER),
            List.of()),
        // --- hop count
        new Case(
            "hops 1: the entry the proxy in front saw",
            "1",
            PROXY,
            false,
            List.of("Host: example.com", "X-Forwarded-For: 198.51.100.1, 198.51.100.2"),
            "198.51.100.2",
            List.of(
                "X-Forwarded-For: 198.51.100.1, 198.51.100.2, " + PROXY,
                "X-Real-IP: 198.51.100.2",
                "X-Forwarded-Proto: http",
                "X-Forwarded-Host: example.com",
                "X-Forwarded-Port: 8080"),
            List.of()),
        new Case(
            "hops 2",
            "2",
            PROXY,
            false,
            List.of("X-Forwarded-For: 198.51.100.1, 198.51.100.2"),
            "198.51.100.1",
            List.of("X-Real-IP: 198.51.100.1"),
            List.of()),
        new Case(
            "hops larger than the list: leftmost",
            "5",
            PROXY,
            false,
            List.of("X-Forwarded-For: 198.51.100.1, 198.51.100.2"),
            "198.51.100.1",
            List.of("X-Forwarded-For: 198.51.100.1, 198.51.100.2, " + PROXY),
            List.of()),
        new Case(
            "hops 1 without X-Forwarded-For: the peer",
            "1",
            PROXY,
            false,
            List.of(),
            PROXY,
            List.of("X-Forwarded-For: " + PROXY, "X-Real-IP: " + PROXY),
            List.of()),
        new Case(
            "hops: several X-Forwarded-For lines are combined in order",
            "1",
            PROXY,
            false,
            List.of(
                "X-Forwarded-For: 198.51.100.1, 198.51.100.2",
                "X-Forwarded-For: 198.51.100.3"),
            "198.51.100.3",
            List.of("X-Forwarded-For: 198.51.100.1, 198.51.100.2, 198.51.100.3, " + PROXY),
            List.of()),
        new Case(
            "hops: the trusted proxy's proto, host and port are kept",
            "1",
            PROXY,
            false,
            List.of(
                "Host: internal.svc",
                "X-Forwarded-For: 198.51.100.1",
                "X-Forwarded-Proto: https",
                "X-Forwarded-Host: www.example.com",
                "X-Forwarded-Port: 443",
                "X-Forwarded-Prefix: /app"),
            "198.51.100.1",
            List.of(
                "X-Forwarded-Proto: https",
                "X-Forwarded-Host: www.example.com",
                "X-Forwarded-Port: 443",
                "X-Forwarded-Prefix: /app"),
            List.of()),
        new Case(
            "hops: a non-IP element stops the walk at its right neighbour (the peer)",
            "2",
            PROXY,
            false,
            List.of("X-Forwarded-For: 198.51.100.1, unknown"),
            PROXY,
            List.of("X-Forwarded-For: 198.51.100.1, unknown, " + PROXY),
            List.of()),
        new Case(
            "hops: a non-IP element stops the walk at its right neighbour",
            "3",
            PROXY,
            false,
            List.of("X-Forwarded-For: 198.51.100.1, garbage, 198.51.100.2"),
            "198.51.100.2",
            List.of(),
            List.of()),
        new Case(
            "hops: ports and brackets are dropped from the client",
            "2",
            PROXY,
            false,
            List.of("X-Forwarded-For: 198.51.100.9:4711, [2001:DB8::9]:443"),
            "198.51.100.9",
            List.of(),
            List.of()),
        new Case(
            "hops: bracketed IPv6 element",
            "1",
            PROXY,
            false,
            List.of("X-Forwarded-For: [2001:DB8::9]:443"),
            "2001:db8::9",
            List.of(),
            List.of()),
        new Case(
            "hops: IPv4-mapped element is reported as IPv4",
            "1",
            PROXY,
            false,
            List.of("X-Forwarded-For: ::ffff:198.51.100.9"),
            "198.51.100.9",
            List.of(),
            List.of()),
        new Case(
            "hops: empty list elements are not hops",
            "2",
            PROXY,
            false,
            List.of("X-Forwarded-For: 198.51.100.1, , 198.51.100.2,"),
            "198.51.100.1",
            List.of(),
            List.of()),
        // --- CIDRs
        new Case(
            "cidrs: untrusted peer is treated as none, spoofed XFF replaced",
            CIDRS,
            PEER,
            false,
            List.of("X-Forwarded-For: 1.1.1.1", "X-Forwarded-Proto: https", "Forwarded: for=x"),
            PEER,
            List.of("X-Forwarded-For: " + PEER, "X-Real-IP: " + PEER, "X-Forwarded-Proto: http"),
            List.of("Forwarded")),
        new Case(
            "cidrs: trusted hops are skipped from the right",
            CIDRS,
            PROXY,
            false,
            List.of("X-Forwarded-For: 198.51.100.1, 10.0.0.2"),
            "198.51.100.1",
            List.of(
                "X-Forwarded-For: 198.51.100.1, 10.0.0.2, " + PROXY,
                "X-Real-IP: 198.51.100.1"),
            List.of()),
        new Case(
            "cidrs: the first untrusted from the right wins over a spoofed leftmost",
            CIDRS,
            PROXY,
            false,
            List.of("X-Forwarded-For: 198.51.100.1, 203.0.113.4, 10.0.0.2"),
            "203.0.113.4",
            List.of(),
            List.of()),
        new Case(
            "cidrs: all trusted gives the leftmost",
            CIDRS,
            PROXY,
            false,
            List.of("X-Forwarded-For: 10.0.0.3, 10.0.0.2"),
            "10.0.0.3",
            List.of(),
            List.of()),
        new Case(
            "cidrs: trusted peer without X-Forwarded-For is the client",
            CIDRS,
            PROXY,
            true,
            List.of("Host: example.com"),
            PROXY,
            List.of(
                "X-Forwarded-For: " + PROXY,
                "X-Forwarded-Proto: https",
                "X-Forwarded-Host: example.com"),
            List.of()),
        new Case(
            "cidrs: a non-IP element stops the walk at its right neighbour",
            CIDRS,
            PROXY,
            false,
            List.of("X-Forwarded-For: 198.51.100.1, evil, 10.0.0.2"),
            "10.0.0.2",
            List.of(),
            List.of()),
        new Case(
            "cidrs: a non-IP element right of everything leaves the peer",
            CIDRS,
            PROXY,
            false,
            List.of("X-Forwarded-For: 198.51.100.1, unknown"),
            PROXY,
            List.of(),
            List.of()),
        new Case(
            "cidrs: IPv6 trusted peer and client",
            CIDRS,
            "fd00::1",
            false,
            List.of("X-Forwarded-For: 2001:db8::5"),
            "2001:db8::5",
            List.of("X-Forwarded-For: 2001:db8::5, fd00::1"),
            List.of()),
        new Case(
            "cidrs: Forwarded from a trusted peer gets this hop appended",
            CIDRS,
            "fd00::1",
            false,
            List.of("Forwarded: for=198.51.100.1;proto=https", "Forwarded: for=10.0.0.9"),
            "fd00::1",
            List.of(
                "Forwarded: for=198.51.100.1;proto=https, for=10.0.0.9,"
                    + " for=\"[fd00::1]\";proto=http"),
            List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rewritesHeadersAndDerivesClient(Case c) throws Exception {
    HttpHeaders headers = new DefaultHttpHeaders();
    for (String line : c.incoming()) {
      int colon = line.indexOf(':');
      headers.add(line.substring(0, colon), line.substring(colon + 1).strip());
    }
    InetSocketAddress peer = new InetSocketAddress(TrustedProxiesTest.literal(c.peer()), 40000);

    String client =
        new ForwardedHeaders(TrustedProxies.parse(c.trust())).apply(headers, peer, c.tls(), 8080);

    assertThat(client).isEqualTo(c.client());
    assertThat(headers.getAll(ForwardedHeaders.X_REAL_IP)).containsExactly(c.client());
    assertThat(headers.getAll(ForwardedHeaders.X_FORWARDED_FOR)).hasSize(1);
    for (Map.Entry<String, List<String>> e : grouped(c.expected()).entrySet()) {
      assertThat(headers.getAll(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
    for (String name : c.absent()) {
      assertThat(headers.contains(name)).as(name).isFalse();
    }
  }

  @Test
  void ipv4MappedPeerMatchesIpv4CidrAndIsWrittenAsIpv4() throws Exception {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1};
    InetSocketAddress peer = new InetSocketAddress(Inet6Address.getByAddress(null, mapped, -1), 1);
    HttpHeaders headers = new DefaultHttpHeaders().add("X-Forwarded-For", "198.51.100.1");

    ForwardedHeaders forwarded = new ForwardedHeaders(TrustedProxies.parse("10.0.0.0/8"));
    String client = forwarded.apply(headers, peer, false, 80);

    assertThat(client).isEqualTo("198.51.100.1");
    assertThat(headers.get("X-Forwarded-For")).isEqualTo("198.51.100.1, 10.0.0.1");
  }

  @Test
  void hopCountZeroBuiltDirectlyTrustsNobody() throws Exception {
    InetSocketAddress peer = new InetSocketAddress(TrustedProxiesTest.literal(PROXY), 1);
    HttpHeaders headers = new DefaultHttpHeaders().add("X-Forwarded-For", "198.51.100.1");

    ForwardedHeaders forwarded = new ForwardedHeaders(new TrustedProxies.HopCount(0));
    String client = forwarded.apply(headers, peer, false, 80);

    assertThat(client).isEqualTo(PROXY);
    assertThat(headers.get("X-Forwarded-For")).isEqualTo(PROXY);
  }

  @Test
  void unresolvedPeerLiteralIsParsedWithoutLookup() {
    InetSocketAddress peer = InetSocketAddress.createUnresolved("10.0.0.1", 1);
    HttpHeaders headers = new DefaultHttpHeaders().add("X-Forwarded-For", "198.51.100.1");

    ForwardedHeaders forwarded = new ForwardedHeaders(TrustedProxies.parse("10.0.0.0/8"));
    String client = forwarded.apply(headers, peer, false, 80);

    assertThat(client).isEqualTo("198.51.100.1");
  }

  @Test
  void unresolvedPeerNameIsNeverTrusted() {
    InetSocketAddress peer = InetSocketAddress.createUnresolved("proxy.internal", 1);
    HttpHeaders headers = new DefaultHttpHeaders().add("X-Forwarded-For", "198.51.100.1");

    String client = new ForwardedHeaders(TrustedProxies.parse("1")).apply(headers, peer, false, 80);

    assertThat(client).isEqualTo("proxy.internal");
    assertThat(headers.get("X-Forwarded-For")).isEqualTo("proxy.internal");
  }

  private static Map<String, List<String>> grouped(List<String> lines) {
    Map<String, List<String>> byName = new LinkedHashMap<>();
    for (String line : lines) {
      int colon = line.indexOf(':');
      byName
          .computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>())
          .add(line.substring(colon + 1).strip());
    }
    return byName;
  }
}

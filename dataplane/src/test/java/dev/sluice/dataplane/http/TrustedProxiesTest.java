package dev.sluice.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class TrustedProxiesTest {

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"  ", "false", "FALSE", "none", " None ", "0", "000"})
  void settingsThatTrustNobodyParseAsNone(String setting) {
    assertThat(TrustedProxies.parse(setting)).isEqualTo(new TrustedProxies.None());
  }

  @ParameterizedTest
  @CsvSource({"1,1", "2,2", " 3 ,3", "012,12"})
  void integerSettingIsHopCount(String setting, int hops) {
    assertThat(TrustedProxies.parse(setting)).isEqualTo(new TrustedProxies.HopCount(hops));
  }

  @Test
  void listSettingIsCidrsInTheOrderWrittenTrimmed() {
    TrustedProxies parsed = TrustedProxies.parse("10.0.0.0/8, 192.168.1.1 ,fd00::/8, ::1");
    List<String> written = List.of("10.0.0.0/8", "192.168.1.1", "fd00::/8", "::1");
    assertThat(parsed).isInstanceOf(TrustedProxies.Cidrs.class);
    assertThat(((TrustedProxies.Cidrs) parsed).cidrs()).isEqualTo(written);
    assertThat(parsed)
        .isEqualTo(new TrustedProxies.Cidrs(written))
        .hasSameHashCodeAs(new TrustedProxies.Cidrs(written));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "10.0.0.0/33            | 10.0.0.0/33",
        "fd00::/129             | fd00::/129",
        "10.0.0.0/8, bogus      | bogus",
        "1.2.3.4/               | 1.2.3.4/",
        "/8                     | /8",
        "10.0.0.0/x             | 10.0.0.0/x",
        "10.0.0.0/-1            | 10.0.0.0/-1",
        "10.0.0.0/8/8           | 10.0.0.0/8/8",
        "256.0.0.1              | 256.0.0.1",
        "1.2.3                  | 1.2.3",
        "localhost              | localhost",
        "example.com            | example.com",
        "true                   | true",
        "-1                     | -1",
        "99999999999            | 99999999999",
        "1.2.3.4:80             | 1.2.3.4:80",
        "::ffff:10.0.0.0/8      | ::ffff:10.0.0.0/8",
        "10.0.0.0/8,,1.2.3.4    | 10.0.0.0/8,,1.2.3.4",
        "10.0.0.0/8,            | 10.0.0.0/8,",
      })
  void invalidSettingIsRejectedNamingTheBadToken(String setting, String token) {
    assertThatThrownBy(() -> TrustedProxies.parse(setting))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + token + "'");
  }

  @Test
  void cidrsRecordValidatesWhenBuiltDirectly() {
    assertThatThrownBy(() -> new TrustedProxies.Cidrs(List.of("10.0.0.0/8", "nope")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'nope'");
    assertThatThrownBy(() -> new TrustedProxies.HopCount(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static Stream<Arguments> matching() {
    return Stream.of(
        // cidrs, address, trusted
        Arguments.of("10.0.0.0/8", "10.255.1.2", true),
        Arguments.of("10.0.0.0/8", "11.0.0.1", false),
        Arguments.of("10.0.0.0/8", "9.255.255.255", false),
        Arguments.of("10.0.0.0/9", "10.127.0.1", true),
        Arguments.of("10.0.0.0/9", "10.128.0.1", false),
        Arguments.of("10.1.2.3/8", "10.200.0.0", true), // host bits ignored
        Arguments.of("192.168.1.1", "192.168.1.1", true),
        Arguments.of("192.168.1.1", "192.168.1.2", false),
        Arguments.of("0.0.0.0/0", "203.0.113.9", true),
        Arguments.of("0.0.0.0/0", "2001:db8::1", false),
        Arguments.of("::/0", "2001:db8::1", true),
        Arguments.of("::/0", "203.0.113.9", false),
        Arguments.of("fd00::/8", "fd12:3456::1", true),
        Arguments.of("fd00::/8", "fe80::1", false),
        Arguments.of("2001:db8::/33", "2001:db8:7fff::1", true),
        Arguments.of("2001:db8::/33", "2001:db8:8000::1", false),
        Arguments.of("2001:db8::/96", "2001:db8::ffff:ffff", true),
        Arguments.of("2001:db8::/96", "2001:db8::1:0:0", false),
        Arguments.of("::1", "::1", true),
        Arguments.of("::1", "::2", false),
        Arguments.of("2001:db8::1/128", "2001:db8::1", true),
        Arguments.of("[2001:db8::1]", "2001:db8::1", true),
        Arguments.of("::ffff:192.168.0.0/112", "192.168.7.7", true),
        Arguments.of("::ffff:192.168.0.0/112", "192.169.0.1", false),
        Arguments.of("::ffff:10.0.0.1", "10.0.0.1", true),
        Arguments.of("10.0.0.0/8, fd00::/8", "fd00::5", true),
        Arguments.of("10.0.0.0/8, fd00::/8", "10.0.0.5", true),
        Arguments.of("10.0.0.0/8, fd00::/8", "172.16.0.1", false));
  }

  @ParameterizedTest(name = "{0} trusts {1}: {2}")
  @MethodSource("matching")
  void cidrMatching(String cidrs, String address, boolean trusted) throws Exception {
    TrustedProxies.Cidrs parsed = (TrustedProxies.Cidrs) TrustedProxies.parse(cidrs);
    assertThat(parsed.trusts(literal(address))).isEqualTo(trusted);
    assertThat(parsed.trusts(IpLiterals.parseAddress(address))).isEqualTo(trusted);
  }

  @Test
  void ipv4MappedIpv6AddressMatchesIpv4Cidr() throws Exception {
    TrustedProxies.Cidrs cidrs = (TrustedProxies.Cidrs) TrustedProxies.parse("10.0.0.0/8");
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
    // Inet6Address.getByAddress keeps the 16 bytes (InetAddress.getByAddress would convert).
    InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
    assertThat(v6).isInstanceOf(Inet6Address.class);
    assertThat(cidrs.trusts(v6)).isTrue();
    assertThat(cidrs.trusts(IpLiterals.parseAddress("::ffff:10.9.9.9"))).isTrue();
    assertThat(cidrs.trusts(IpLiterals.parseAddress("::ffff:11.9.9.9"))).isFalse();
  }

  @Test
  void emptyCidrListTrustsNoOne() throws Exception {
    TrustedProxies.Cidrs cidrs = new TrustedProxies.Cidrs(List.of());
    assertThat(cidrs.trusts(literal("10.0.0.1"))).isFalse();
    assertThat(cidrs.trusts((InetAddress) null)).isFalse();
  }

  @Test
  void trustsNobodyForNoneAndZeroHops() {
    assertThat(TrustedProxies.none().trustsNobody()).isTrue();
    assertThat(new TrustedProxies.HopCount(0).trustsNobody()).isTrue();
    assertThat(new TrustedProxies.HopCount(1).trustsNobody()).isFalse();
    assertThat(TrustedProxies.parse("10.0.0.0/8").trustsNobody()).isFalse();
  }

  /** Builds an InetAddress from a literal without any name lookup. */
  static InetAddress literal(String ip) throws Exception {
    byte[] bytes = io.netty.util.NetUtil.createByteArrayFromIpAddressString(ip);
    assertThat(bytes).as("literal %s", ip).isNotNull();
    return InetAddress.getByAddress(bytes);
  }
}

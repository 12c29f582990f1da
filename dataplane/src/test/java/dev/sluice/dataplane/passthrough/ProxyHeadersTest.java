package dev.sluice.dataplane.passthrough;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.CharsetUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.junit.jupiter.api.Test;

class ProxyHeadersTest {

  /** Encodes with ProxyHeaders, decodes with Netty's own decoder. */
  private static String roundTrip(ProxyProtocol v, SocketAddress src, SocketAddress dst) {
    ByteBuf encoded = ProxyHeaders.encode(v, src, dst, ByteBufAllocator.DEFAULT);
    EmbeddedChannel dec = new EmbeddedChannel(new HAProxyMessageDecoder());
    dec.writeInbound(encoded);
    HAProxyMessage m = dec.readInbound();
    try {
      return m.protocolVersion() + " " + m.command() + " " + m.proxiedProtocol() + " "
          + m.sourceAddress() + " " + m.sourcePort() + " " + m.destinationAddress() + " "
          + m.destinationPort();
    } finally {
      m.release();
      dec.finishAndReleaseAll();
    }
  }

  @Test
  void sameFamilyAddressesAreSentAsTheyAre() {
    var v4 = new InetSocketAddress("192.0.2.7", 40000);
    var v4dst = new InetSocketAddress("192.0.2.1", 443);
    assertThat(roundTrip(ProxyProtocol.V1, v4, v4dst))
        .isEqualTo("V1 PROXY TCP4 192.0.2.7 40000 192.0.2.1 443");
    assertThat(roundTrip(ProxyProtocol.V2, v4, v4dst))
        .isEqualTo("V2 PROXY TCP4 192.0.2.7 40000 192.0.2.1 443");
    var v6 = new InetSocketAddress("2001:db8::7", 40001);
    var v6dst = new InetSocketAddress("2001:db8::1", 8443);
    assertThat(roundTrip(ProxyProtocol.V1, v6, v6dst))
        .isEqualTo("V1 PROXY TCP6 2001:db8:0:0:0:0:0:7 40001 2001:db8:0:0:0:0:0:1 8443");
    assertThat(roundTrip(ProxyProtocol.V2, v6, v6dst))
        .isEqualTo("V2 PROXY TCP6 2001:db8:0:0:0:0:0:7 40001 2001:db8:0:0:0:0:0:1 8443");
  }

  @Test
  void mixedFamiliesBecomeTcp6WithTheIpv4AddressMapped() {
    var v4 = new InetSocketAddress("192.0.2.7", 40000);
    var v6dst = new InetSocketAddress("2001:db8::1", 443);
    assertThat(roundTrip(ProxyProtocol.V1, v4, v6dst))
        .isEqualTo("V1 PROXY TCP6 ::ffff:c000:207 40000 2001:db8:0:0:0:0:0:1 443");
    assertThat(roundTrip(ProxyProtocol.V2, v4, v6dst))
        .isEqualTo("V2 PROXY TCP6 0:0:0:0:0:ffff:c000:207 40000 2001:db8:0:0:0:0:0:1 443");
  }

  @Test
  void nonIpAddressesAreSentAsUnknownSoTheBackendUsesTheConnection() {
    SocketAddress notIp = new SocketAddress() {};
    var dst = new InetSocketAddress("192.0.2.1", 443);
    ByteBuf v1 = ProxyHeaders.encode(ProxyProtocol.V1, notIp, dst, ByteBufAllocator.DEFAULT);
    assertThat(v1.toString(CharsetUtil.US_ASCII)).isEqualTo("PROXY UNKNOWN\r\n");
    v1.release();
    assertThat(roundTrip(ProxyProtocol.V2, notIp, dst)).startsWith("V2 PROXY UNKNOWN null");
    assertThat(ProxyHeaders.encode(ProxyProtocol.NONE, notIp, dst, ByteBufAllocator.DEFAULT))
        .isNull();
  }
}

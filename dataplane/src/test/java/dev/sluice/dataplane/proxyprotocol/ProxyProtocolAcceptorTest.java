package dev.sluice.dataplane.proxyprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.CharsetUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProxyProtocolAcceptorTest {
  private static final byte[] PAYLOAD = "\u0016\u0003\u0001 after the header".getBytes(CharsetUtil.ISO_8859_1);

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ProxyProtocolAcceptor acceptor =
      new ProxyProtocolAcceptor(
          new ProxyProtocolSettings(true, List.of("10.0.0.0/8", "fd00::/8")),
          registry,
          Duration.ofSeconds(5));

  /** An embedded channel whose TCP peer is {@code peer}. */
  private static EmbeddedChannel channelFrom(String ip) {
    InetSocketAddress peer = new InetSocketAddress(ip, 51000);
    return new EmbeddedChannel() {
      @Override
      protected SocketAddress remoteAddress0() {
        return peer;
      }
    };
  }

  private EmbeddedChannel trusted() {
    EmbeddedChannel ch = channelFrom("10.1.2.3");
    ch.pipeline().addFirst(ProxyProtocolAcceptor.NAME, acceptor);
    return ch;
  }

  private double rejected(String reason) {
    return registry.get("sluice_proxy_protocol_rejected_total").tag("reason", reason).counter().count();
  }

  private static byte[] v1Header() {
    return "PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n".getBytes(CharsetUtil.US_ASCII);
  }

  private static byte[] v2Header(HAProxyMessage msg) {
    EmbeddedChannel enc = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    enc.writeOutbound(msg);
    ByteBuf b = enc.readOutbound();
    byte[] bytes = new byte[b.readableBytes()];
    b.readBytes(bytes);
    b.release();
    enc.finishAndReleaseAll();
    return bytes;
  }

  private static byte[] v2Tcp6() {
    return v2Header(
        new HAProxyMessage(
            HAProxyProtocolVersion.V2,
            HAProxyCommand.PROXY,
            HAProxyProxiedProtocol.TCP6,
            "2001:db8::7",
            "2001:db8::1",
            40001,
            8443));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Feeds {@code bytes} in two writes split at {@code at}; returns every byte that came out. */
  private static byte[] feedSplit(EmbeddedChannel ch, byte[] bytes, int at) {
    ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, at));
    ch.writeInbound(Unpooled.wrappedBuffer(bytes, at, bytes.length - at));
    ByteBuf all = Unpooled.buffer();
    Object o;
    while ((o = ch.readInbound()) != null) {
      ByteBuf b = (ByteBuf) o;
      all.writeBytes(b);
      b.release();
    }
    byte[] out = new byte[all.readableBytes()];
    all.readBytes(out);
    all.release();
    return out;
  }

  @Test
  void v1HeaderSplitAtEveryOffsetSetsClientAddressAndLeavesFollowingBytesIntact() {
    byte[] wire = concat(v1Header(), PAYLOAD);
    for (int at = 0; at <= wire.length; at++) {
      EmbeddedChannel ch = trusted();
      assertThat(feedSplit(ch, wire, at)).as("split at %d", at).isEqualTo(PAYLOAD);
      assertThat(ch.attr(ClientAddress.KEY).get())
          .isEqualTo(new InetSocketAddress("203.0.113.7", 40000));
      assertThat(ch.attr(ClientAddress.DESTINATION_KEY).get())
          .isEqualTo(new InetSocketAddress("198.51.100.1", 443));
      assertThat(ClientAddress.source(ch)).isEqualTo(new InetSocketAddress("203.0.113.7", 40000));
      assertThat(ch.isOpen()).isTrue();
      // Nothing of ours is left in the pipeline: later handlers own the connection.
      assertThat(ch.pipeline().names()).noneMatch(n -> n.startsWith(ProxyProtocolAcceptor.NAME));
      assertThat(ch.finishAndReleaseAll()).isFalse();
    }
    assertThat(
            registry.get("sluice_proxy_protocol_accepted_total").tag("version", "v1").counter().count())
        .isEqualTo(wire.length + 1);
  }

  @Test
  void v2HeaderSplitAtEveryOffsetSetsClientAddressAndLeavesFollowingBytesIntact() {
    byte[] wire = concat(v2Tcp6(), PAYLOAD);
    for (int at = 0; at <= wire.length; at++) {
      EmbeddedChannel ch = trusted();
      assertThat(feedSplit(ch, wire, at)).as("split at %d", at).isEqualTo(PAYLOAD);
      assertThat(ch.attr(ClientAddress.KEY).get())
          .isEqualTo(new InetSocketAddress("2001:db8::7", 40001));
      assertThat(ch.isOpen()).isTrue();
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void v2WithTlvsUnderTheCapIsAcceptedAndOverTheCapCloses() {
    byte[] small = v2Header(tcp4WithTlv(100));
    EmbeddedChannel ok = trusted();
    assertThat(feedSplit(ok, concat(small, PAYLOAD), 7)).isEqualTo(PAYLOAD);
    assertThat(ok.attr(ClientAddress.KEY).get()).isNotNull();
    ok.finishAndReleaseAll();

    byte[] huge = v2Header(tcp4WithTlv(ProxyProtocolSettings.MAX_HEADER_BYTES));
    EmbeddedChannel bad = trusted();
    assertThat(feedSplit(bad, concat(huge, PAYLOAD), 20)).isEmpty();
    assertThat(bad.isOpen()).isFalse();
    assertThat(bad.attr(ClientAddress.KEY).get()).isNull();
    assertThat(rejected("malformed")).isEqualTo(1);
    bad.finishAndReleaseAll();
  }

  private static HAProxyMessage tcp4WithTlv(int tlvBytes) {
    HAProxyTLV tlv = new HAProxyTLV((byte) 0x04 /* PP2_TYPE_NOOP */, Unpooled.buffer().writeZero(tlvBytes));
    return new HAProxyMessage(
        HAProxyProtocolVersion.V2,
        HAProxyCommand.PROXY,
        HAProxyProxiedProtocol.TCP4,
        "192.0.2.10",
        "192.0.2.1",
        1234,
        443,
        List.of(tlv));
  }

  @Test
  void v2LocalCommandKeepsThePeerAddress() {
    byte[] local =
        v2Header(
            new HAProxyMessage(
                HAProxyProtocolVersion.V2,
                HAProxyCommand.LOCAL,
                HAProxyProxiedProtocol.UNKNOWN,
                null,
                null,
                0,
                0));
    EmbeddedChannel ch = trusted();
    assertThat(feedSplit(ch, concat(local, PAYLOAD), 3)).isEqualTo(PAYLOAD);
    assertThat(ch.attr(ClientAddress.KEY).get()).isNull();
    assertThat(ClientAddress.source(ch)).isEqualTo(new InetSocketAddress("10.1.2.3", 51000));
    assertThat(ch.isOpen()).isTrue();
    ch.finishAndReleaseAll();
  }

  @Test
  void untrustedPeerIsClosedBeforeReadingAnything() {
    EmbeddedChannel ch = channelFrom("192.0.2.99");
    ch.pipeline().addFirst(ProxyProtocolAcceptor.NAME, acceptor);
    assertThat(ch.isOpen()).isFalse();
    assertThat(rejected("untrusted")).isEqualTo(1);
    ch.finishAndReleaseAll();

    EmbeddedChannel v6 = channelFrom("2001:db8::5");
    v6.pipeline().addFirst(ProxyProtocolAcceptor.NAME, acceptor);
    assertThat(v6.isOpen()).isFalse();
    v6.finishAndReleaseAll();

    EmbeddedChannel mapped = channelFrom("::ffff:10.9.9.9");
    mapped.pipeline().addFirst(ProxyProtocolAcceptor.NAME, acceptor);
    assertThat(mapped.isOpen()).as("IPv4-mapped peer inside 10/8 is trusted").isTrue();
    mapped.finishAndReleaseAll();
  }

  @Test
  void clientSpeakingTlsOrHttpWithoutHeaderIsClosedOnItsFirstBytes() {
    for (String start : List.of("\u0016\u0003\u0001\u0002\u0000", "GET / HTTP/1.1\r\n", "PROXZ")) {
      EmbeddedChannel ch = trusted();
      ch.writeInbound(Unpooled.copiedBuffer(start, CharsetUtil.ISO_8859_1));
      assertThat(ch.isOpen()).as(start).isFalse();
      assertThat((Object) ch.readInbound()).isNull();
      ch.finishAndReleaseAll();
    }
    assertThat(rejected("missing")).isEqualTo(3);
  }

  @Test
  void garbledHeadersClose() {
    List<String> garbage =
        List.of(
            "PROXY TCP4 not-an-ip 198.51.100.1 40000 443\r\n",
            "PROXY TCP4 203.0.113.7 198.51.100.1 99999 443\r\n",
            "PROXY FOO\r\n",
            "PROXY TCP4 203.0.113.7 198.51.100.1 40000 443" + "x".repeat(100) + "\r\n");
    for (String g : garbage) {
      EmbeddedChannel ch = trusted();
      ch.writeInbound(Unpooled.copiedBuffer(g + "payload", CharsetUtil.US_ASCII));
      assertThat(ch.isOpen()).as(g).isFalse();
      assertThat((Object) ch.readInbound()).as(g).isNull();
      assertThat(ch.attr(ClientAddress.KEY).get()).isNull();
      ch.finishAndReleaseAll();
    }
    assertThat(rejected("malformed")).isEqualTo(garbage.size());
  }

  @Test
  void headerThatNeverCompletesTimesOut() {
    EmbeddedChannel ch = trusted();
    ch.writeInbound(Unpooled.copiedBuffer("PROXY TCP4 203.0", CharsetUtil.US_ASCII));
    assertThat(ch.isOpen()).isTrue();
    ch.advanceTimeBy(6, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isOpen()).isFalse();
    assertThat(rejected("timeout")).isEqualTo(1);
    ch.finishAndReleaseAll();
  }

  @Test
  void peerLeavingBeforeTheHeaderIsCountedAsMissing() {
    EmbeddedChannel ch = trusted();
    ch.writeInbound(Unpooled.copiedBuffer("PROX", CharsetUtil.US_ASCII));
    ch.close();
    assertThat(rejected("missing")).isEqualTo(1);
    ch.finishAndReleaseAll();
  }

  @Test
  void notRequiredRemovesItself() {
    ProxyProtocolAcceptor off = new ProxyProtocolAcceptor(ProxyProtocolSettings.disabled(), registry);
    EmbeddedChannel ch = channelFrom("192.0.2.99");
    ch.pipeline().addFirst(ProxyProtocolAcceptor.NAME, off);
    assertThat(feedSplit(ch, PAYLOAD, 2)).isEqualTo(PAYLOAD);
    assertThat(ch.isOpen()).isTrue();
    ch.finishAndReleaseAll();
  }

  @Test
  void badSettingsAreRefusedAtConfiguration() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new ProxyProtocolSettings(true, List.of("10.0.0.0/33")))
        .hasMessageContaining("10.0.0.0/33");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new ProxyProtocolSettings(true, List.of("lb.example.com")))
        .hasMessageContaining("lb.example.com");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ProxyProtocolSettings(true, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

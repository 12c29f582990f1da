package dev.sluice.dataplane.passthrough;

import dev.sluice.dataplane.snapshot.PassthroughRoute.ProxyProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.CharsetUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Builds the PROXY protocol header sent to a passthrough backend before the client's bytes.
 *
 * <p>Families: both IPv4 -> TCP4; both IPv6 -> TCP6; one of each -> TCP6 with the IPv4 address
 * written IPv4-mapped ({@code ::ffff:a.b.c.d}), as HAProxy itself does, so the client address is
 * never lost. Addresses that are not IP (should not happen on TCP) -> v1 {@code PROXY UNKNOWN} / v2
 * PROXY command with family UNSPEC, which the spec says makes the receiver use the real connection
 * endpoints.
 *
 * <p>Stateless; any thread.
 */
public final class ProxyHeaders {
  private static final byte[] V1_UNKNOWN = "PROXY UNKNOWN\r\n".getBytes(CharsetUtil.US_ASCII);

  private ProxyHeaders() {}

  /**
   * @return the encoded header, or {@code null} for {@link ProxyProtocol#NONE}; the caller owns it
   */
  public static ByteBuf encode(
      ProxyProtocol version, SocketAddress source, SocketAddress destination, ByteBufAllocator alloc) {
    if (version == ProxyProtocol.NONE) {
      return null;
    }
    HAProxyMessage msg = message(version, source, destination);
    if (msg == null) {
      return alloc.buffer(V1_UNKNOWN.length).writeBytes(V1_UNKNOWN);
    }
    // The encoder's encode() is protected; a throwaway EmbeddedChannel is the supported way to
    // drive it. This runs once per connection, not per byte.
    EmbeddedChannel enc = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
    try {
      enc.writeOutbound(msg);
      ByteBuf encoded = enc.readOutbound();
      ByteBuf out = alloc.buffer(encoded.readableBytes()).writeBytes(encoded);
      encoded.release();
      return out;
    } finally {
      enc.finishAndReleaseAll();
    }
  }

  /** {@code null} means v1 UNKNOWN (the encoder cannot write that form). */
  static HAProxyMessage message(ProxyProtocol version, SocketAddress source, SocketAddress dest) {
    HAProxyProtocolVersion v =
        version == ProxyProtocol.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
    InetAddress src = ip(source);
    InetAddress dst = ip(dest);
    if (src == null || dst == null) {
      return v == HAProxyProtocolVersion.V1
          ? null
          : new HAProxyMessage(
              v, HAProxyCommand.PROXY, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
    }
    int srcPort = ((InetSocketAddress) source).getPort();
    int dstPort = ((InetSocketAddress) dest).getPort();
    if (src instanceof Inet4Address && dst instanceof Inet4Address) {
      return new HAProxyMessage(
          v,
          HAProxyCommand.PROXY,
          HAProxyProxiedProtocol.TCP4,
          src.getHostAddress(),
          dst.getHostAddress(),
          srcPort,
          dstPort);
    }
    return new HAProxyMessage(
        v,
        HAProxyCommand.PROXY,
        HAProxyProxiedProtocol.TCP6,
        v6(src),
        v6(dst),
        srcPort,
        dstPort);
  }

  private static InetAddress ip(SocketAddress a) {
    return a instanceof InetSocketAddress isa ? isa.getAddress() : null;
  }

  private static String v6(InetAddress a) {
    if (a instanceof Inet6Address) {
      String s = a.getHostAddress();
      int scope = s.indexOf('%'); // a scope id is meaningless to the backend and not valid here
      return scope < 0 ? s : s.substring(0, scope);
    }
    // Hex form rather than ::ffff:a.b.c.d so that no parser mistakes it for a bare IPv4 address.
    byte[] b = a.getAddress();
    return String.format(
        "::ffff:%x:%x", ((b[0] & 0xff) << 8) | (b[1] & 0xff), ((b[2] & 0xff) << 8) | (b[3] & 0xff));
  }
}

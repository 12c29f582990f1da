package dev.sluice.dataplane.proxyprotocol;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The real client behind a connection. When a trusted load balancer in front sent a PROXY protocol
 * header, {@link ProxyProtocolAcceptor} stores the addresses it carried on the downstream channel;
 * everything that needs "the client" (X-Forwarded-For, access logs, outgoing PROXY headers) reads
 * them through {@link #source(Channel)} and {@link #destination(Channel)}, which fall back to the TCP
 * peer and local address.
 */
public final class ClientAddress {

  /** Source address from an accepted PROXY header; unset when there was none (or it was LOCAL). */
  public static final AttributeKey<InetSocketAddress> KEY =
      AttributeKey.valueOf(ClientAddress.class, "source");

  /** Destination address from an accepted PROXY header (what the client connected to). */
  public static final AttributeKey<InetSocketAddress> DESTINATION_KEY =
      AttributeKey.valueOf(ClientAddress.class, "destination");

  private ClientAddress() {}

  /** The client: from the PROXY header when one was accepted, else the TCP peer. */
  public static SocketAddress source(Channel ch) {
    InetSocketAddress a = ch.attr(KEY).get();
    return a != null ? a : ch.remoteAddress();
  }

  /** Where the client connected to: from the PROXY header when one was accepted, else local. */
  public static SocketAddress destination(Channel ch) {
    InetSocketAddress a = ch.attr(DESTINATION_KEY).get();
    return a != null ? a : ch.localAddress();
  }
}

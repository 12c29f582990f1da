package dev.sluice.dataplane.h2;

import dev.sluice.dataplane.proxy.ProxyConfig;
import dev.sluice.dataplane.proxy.ProxyHandler;
import dev.sluice.dataplane.proxyprotocol.ClientAddress;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

/**
 * Builds the pipeline of one inbound stream: frames to HTTP objects, the h2 request adapter, and
 * the HTTP/1.1 proxy handler. One per connection; holds only immutable configuration.
 */
@ChannelHandler.Sharable
final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
  /** Netty's codec is stateless per stream (it is {@code @Sharable}). */
  private static final Http2StreamFrameToHttpObjectCodec CODEC =
      new Http2StreamFrameToHttpObjectCodec(true, true);

  static final String ADAPTER = "h2-request";

  private final ProxyConfig config;

  StreamInitializer(ProxyConfig config) {
    this.config = config;
  }

  @Override
  protected void initChannel(Http2StreamChannel ch) {
    // ProxyHandler reads explicitly, one request at a time, body only while the upstream can take
    // it; an unread stream holds back its WINDOW_UPDATEs: per-stream flow control
    ch.config().setAutoRead(false);
    inheritClientAddress(ch.parent(), ch);
    ch.pipeline()
        .addLast(ProxyHandler.CODEC, CODEC)
        .addLast(ADAPTER, new StreamRequestAdapter(config.errors()))
        .addLast(ProxyHandler.PROXY, new ProxyHandler(config));
  }

  /** A client address learned from a PROXY header is the connection's: every stream has it. */
  private static void inheritClientAddress(Channel connection, Channel stream) {
    var source = connection.attr(ClientAddress.KEY).get();
    if (source != null) {
      stream.attr(ClientAddress.KEY).set(source);
    }
    var destination = connection.attr(ClientAddress.DESTINATION_KEY).get();
    if (destination != null) {
      stream.attr(ClientAddress.DESTINATION_KEY).set(destination);
    }
  }
}

package dev.sluice.dataplane.h2;

import dev.sluice.dataplane.guard.RequestBodyGuard;
import dev.sluice.dataplane.guard.RequestValidator;
import dev.sluice.dataplane.proxy.ProxyConfig;
import dev.sluice.dataplane.proxy.ProxyHandler;
import dev.sluice.dataplane.proxyprotocol.ClientAddress;
import dev.sluice.dataplane.server.Limits;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

/**
 * Builds the pipeline of one inbound stream: frames to HTTP objects, the h2 request adapter,
 * the HTTP/1.1 request guards ({@link RequestValidator}, {@link RequestBodyGuard}) and the
 * proxy handler. One per connection; holds only immutable configuration.
 */
@ChannelHandler.Sharable
final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
  /** Netty's codec is stateless per stream (it is {@code @Sharable}). */
  private static final Http2StreamFrameToHttpObjectCodec CODEC =
      new Http2StreamFrameToHttpObjectCodec(true, true);

  static final String ADAPTER = "h2-request";

  private final ProxyConfig config;
  private final Limits limits;
  /** Stateless and sharable: one per connection serves all its streams. */
  private final RequestValidator validator;

  StreamInitializer(ProxyConfig config, Limits limits) {
    this.config = config;
    this.limits = limits;
    this.validator = new RequestValidator(limits.maxHeaderCount(), limits.maxBodySize());
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
        // hardening: the HTTP/1.1 request guards that mean something on a stream (header count,
        // Content-Length and streamed body size, body read timeout); framing is HTTP/2's own
        .addLast(RequestValidator.NAME, validator)
        .addLast(
            RequestBodyGuard.NAME,
            new RequestBodyGuard(limits.maxBodySize(), limits.bodyReadTimeout()))
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

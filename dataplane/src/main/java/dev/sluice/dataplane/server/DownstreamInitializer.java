package dev.sluice.dataplane.server;

import dev.sluice.dataplane.guard.Guards;
import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.proxy.ProxyConfig;
import dev.sluice.dataplane.proxy.ProxyHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Builds the pipeline of an accepted HTTP connection:
 *
 * <pre>
 *   traffic -> first-byte -> http (HttpServerCodec) -> [guards] -> timeouts (RequestTimeoutHandler) -> proxy (ProxyHandler)
 * </pre>
 *
 * Shared by all connections of a listener; holds only immutable configuration.
 */
@io.netty.channel.ChannelHandler.Sharable
final class DownstreamInitializer extends ChannelInitializer<Channel> {
  private final ServerSettings settings;
  private final HttpDecoderConfig decoderConfig;
  private final ProxyConfig proxy;
  private final ChannelGroup connections;
  private final DownstreamTraffic traffic;
  private final Guards guards; // hardening

  DownstreamInitializer(
      ServerSettings settings,
      HttpDecoderConfig decoderConfig,
      ProxyConfig proxy,
      ChannelGroup connections,
      DownstreamTraffic traffic,
      Guards guards) { // hardening
    this.settings = settings;
    this.decoderConfig = decoderConfig;
    this.proxy = proxy;
    this.connections = connections;
    this.traffic = traffic;
    this.guards = guards; // hardening
  }

  @Override
  protected void initChannel(Channel ch) {
    if (!guards.admit(ch)) { // hardening: connection caps, before anything else
      return;
    }
    connections.add(ch);
    RequestTimeoutHandler timeouts =
        new RequestTimeoutHandler(
            settings.idleTimeout(), settings.requestHeaderTimeout(), proxy.errors());
    ChannelPipeline p = ch.pipeline();
    p.addLast(DownstreamTraffic.NAME, traffic);
    p.addLast(ProxyHandler.FIRST_BYTE, timeouts.firstByteHandler());
    p.addLast(ProxyHandler.CODEC, new HttpServerCodec(decoderConfig));
    guards.afterCodec(p, ProxyHandler.CODEC); // hardening: request validation, body and write guards
    p.addLast(ProxyHandler.TIMEOUTS, timeouts);
    p.addLast(ProxyHandler.PROXY, new ProxyHandler(proxy));
  }
}

package dev.sluice.dataplane.server;

import dev.sluice.dataplane.guard.Guards;
import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.proxy.ProxyConfig;
import dev.sluice.dataplane.proxy.ProxyHandler;
import dev.sluice.dataplane.proxyprotocol.ProxyProtocolAcceptor;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.Objects;

/**
 * Builds the pipeline of an accepted HTTP connection:
 *
 * <pre>
 *   [connection-limit] -> traffic (DownstreamTraffic) -> [proxy-protocol] -> first-byte
 *       -> http (HttpServerCodec) -> [guards] -> timeouts (RequestTimeoutHandler) -> proxy (ProxyHandler)
 * </pre>
 *
 * The connection limiter ({@link Guards#admit}) checks the caps and removes itself; a connection
 * over a cap is closed before anything else is installed. The PROXY protocol reader is there only
 * when the listener requires one. {@link #installHttp1} is the HTTP/1.1 handler set, shared with the
 * HTTPS listener, which installs it after TLS.
 *
 * <p>Shared by all connections of a listener; holds only immutable configuration.
 */
@io.netty.channel.ChannelHandler.Sharable
final class DownstreamInitializer extends ChannelInitializer<Channel> {
  private final ServerSettings settings;
  private final HttpDecoderConfig decoderConfig;
  private final ProxyConfig proxy;
  private final ChannelGroup connections;
  private final ProxyProtocolAcceptor proxyProtocol;
  private final DownstreamTraffic traffic;
  private final Guards guards;

  /**
   * @param proxyProtocol never null: a listener without PROXY protocol passes an acceptor whose
   *     settings are disabled
   * @param guards the server's hardening handlers, shared with the HTTPS listener
   */
  DownstreamInitializer(
      ServerSettings settings,
      HttpDecoderConfig decoderConfig,
      ProxyConfig proxy,
      ChannelGroup connections,
      ProxyProtocolAcceptor proxyProtocol,
      DownstreamTraffic traffic,
      Guards guards) {
    this.settings = settings;
    this.decoderConfig = decoderConfig;
    this.proxy = proxy;
    this.connections = connections;
    this.proxyProtocol = Objects.requireNonNull(proxyProtocol, "proxyProtocol");
    this.traffic = traffic;
    this.guards = Objects.requireNonNull(guards, "guards");
  }

  @Override
  protected void initChannel(Channel ch) {
    if (!guards.admit(ch)) { // hardening: connection caps, before anything else
      return;
    }
    connections.add(ch);
    ch.pipeline().addLast(DownstreamTraffic.NAME, traffic);
    installHttp1(ch.pipeline(), settings, decoderConfig, proxy, guards);
    if (proxyProtocol.settings().required()) {
      // last: it closes an untrusted peer's channel at once
      ch.pipeline().addAfter(DownstreamTraffic.NAME, ProxyProtocolAcceptor.NAME, proxyProtocol);
    }
  }

  /**
   * Appends the HTTP/1.1 proxy handlers, request guards included, to {@code p}. On a channel that
   * is already active (after a TLS handshake) the caller fires {@code channelActive} into them,
   * which starts the idle timer and the first read.
   */
  static void installHttp1(
      ChannelPipeline p,
      ServerSettings settings,
      HttpDecoderConfig decoderConfig,
      ProxyConfig proxy,
      Guards guards) {
    RequestTimeoutHandler timeouts =
        new RequestTimeoutHandler(
            settings.idleTimeout(), settings.requestHeaderTimeout(), proxy.errors());
    p.addLast(ProxyHandler.FIRST_BYTE, timeouts.firstByteHandler());
    p.addLast(ProxyHandler.CODEC, new HttpServerCodec(decoderConfig));
    guards.afterCodec(p, ProxyHandler.CODEC); // hardening: request validation, body and write guards
    p.addLast(ProxyHandler.TIMEOUTS, timeouts);
    p.addLast(ProxyHandler.PROXY, new ProxyHandler(proxy));
  }
}

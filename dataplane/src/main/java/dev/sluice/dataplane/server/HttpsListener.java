package dev.sluice.dataplane.server;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.guard.Guards;
import dev.sluice.dataplane.h2.Http2Downstream;
import dev.sluice.dataplane.metrics.DownstreamTraffic;
import dev.sluice.dataplane.passthrough.PassthroughRelay;
import dev.sluice.dataplane.proxy.ProxyConfig;
import dev.sluice.dataplane.proxyprotocol.ProxyProtocolAcceptor;
import dev.sluice.dataplane.routing.CompiledPassthrough;
import dev.sluice.dataplane.tls.ClientHelloDispatcher;
import dev.sluice.dataplane.tls.ClientHelloInfo;
import dev.sluice.dataplane.tls.ClientHelloRejections;
import dev.sluice.dataplane.tls.ClientHelloSniffer;
import dev.sluice.dataplane.tls.HandshakeLimiter;
import dev.sluice.dataplane.tls.SnifferSettings;
import dev.sluice.dataplane.tls.TlsAlpnChallengeHandler;
import dev.sluice.dataplane.tls.TlsAlpnChallenges;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * The HTTPS port: SNI passthrough and TLS termination on one listener. Pipeline of an accepted
 * connection:
 *
 * <pre>
 *   [connection-limit] -> traffic (DownstreamTraffic) -> [proxy-protocol] -> tls-sniffer (ClientHelloSniffer) -> then one of
 *     acme-tls (SslHandler) -> acme-tls-close                   TLS-ALPN-01 validation (TlsAlpnChallenges)
 *     passthrough-relay (PassthroughRelay)                      SNI names a passthrough route
 *     tls (SslHandler) -> tls-handoff -> HTTP/1.1 or HTTP/2     otherwise (terminated; ALPN decides)
 * </pre>
 *
 * A terminated connection holds a slot of the {@link HandshakeLimiter} from its ClientHello to the
 * end of its handshake ({@link TlsHandoff} gives it back); over the cap it is closed at once.
 *
 * <p>The connection limiter ({@link Guards#admit}, shared with the HTTP listener) checks the caps
 * first and removes itself; HTTP/1.1 after TLS gets the same request guards as the HTTP port.
 *
 * <p>The decision reads the current {@link SnapshotHolder.Tables} once per connection, so passthrough
 * table and certificates come from the same snapshot; a snapshot published later applies to later
 * connections, never to one already decided. An ACME TLS-ALPN-01 validation (ALPN {@code
 * acme-tls/1} for a name with a pending challenge in the snapshot) gets the challenge certificate
 * and ends after the handshake (RFC 8737); it is checked first, as only validators offer that
 * protocol. Otherwise the certificate choice is: exact SNI, {@code *.} wildcard, else the default,
 * which also serves clients without SNI.
 *
 * <p>Sharable: holds only immutable configuration; per-connection state lives in the handlers it
 * adds.
 */
@Sharable
final class HttpsListener extends ChannelInitializer<Channel> implements ClientHelloDispatcher {
  static final String SNIFFER = "tls-sniffer";
  static final String TLS = "tls";
  static final String HANDOFF = "tls-handoff";

  private final ServerSettings settings;
  private final HttpDecoderConfig decoderConfig;
  private final ProxyConfig proxy;
  private final ChannelGroup connections;
  private final ProxyProtocolAcceptor proxyProtocol;
  private final DownstreamTraffic traffic;
  private final PassthroughRelay relay;
  private final SnifferSettings snifferSettings;
  private final ClientHelloRejections rejections;
  private final Counter handshakeFailures;
  private final Guards guards;
  private final TlsAlpnChallenges acmeChallenges;
  private final HandshakeLimiter handshakes;

  HttpsListener(
      ServerSettings settings,
      HttpDecoderConfig decoderConfig,
      ProxyConfig proxy,
      ChannelGroup connections,
      ProxyProtocolAcceptor proxyProtocol,
      DownstreamTraffic traffic,
      PassthroughRelay relay,
      ClientHelloRejections rejections,
      Counter handshakeFailures,
      HandshakeLimiter handshakes,
      Guards guards) {
    if (!proxy.tls()) {
      throw new IllegalArgumentException("the HTTPS listener needs a ProxyConfig with tls=true");
    }
    this.settings = settings;
    this.decoderConfig = decoderConfig;
    this.proxy = proxy;
    this.connections = connections;
    this.proxyProtocol = proxyProtocol;
    this.traffic = traffic;
    this.relay = relay;
    this.rejections = rejections;
    this.handshakeFailures = handshakeFailures;
    this.handshakes = handshakes;
    this.guards = guards;
    this.acmeChallenges =
        new TlsAlpnChallenges(() -> proxy.snapshots().tables().routes().snapshot().acmeChallenges());
    this.snifferSettings =
        new SnifferSettings(
            SnifferSettings.DEFAULT_MAX_CLIENT_HELLO_LENGTH,
            settings.tlsHandshakeTimeout(),
            SnifferSettings.DEFAULT_MINIMUM_CLIENT_VERSION);
  }

  @Override
  protected void initChannel(Channel ch) {
    if (!guards.admit(ch)) { // hardening: connection caps, before the PROXY reader and sniffer
      return;
    }
    connections.add(ch);
    PassthroughRelay.prepare(ch); // before the first read: spliced passthrough bytes get counted
    ChannelPipeline p = ch.pipeline();
    p.addLast(DownstreamTraffic.NAME, traffic);
    p.addLast(ReadOnActive.INSTANCE);
    p.addLast(SNIFFER, new ClientHelloSniffer(this, snifferSettings, rejections));
    if (proxyProtocol.settings().required()) {
      // last: it closes an untrusted peer's channel at once
      p.addAfter(DownstreamTraffic.NAME, ProxyProtocolAcceptor.NAME, proxyProtocol);
    }
  }

  @Override
  public void dispatch(ChannelHandlerContext ctx, ClientHelloInfo hello) {
    if (TlsAlpnChallengeHandler.install(
        ctx, hello, acmeChallenges, settings.tlsHandshakeTimeout())) {
      return; // an ACME validator: the challenge certificate is the whole answer
    }
    SnapshotHolder.Tables tables = proxy.snapshots().tables();
    String sni = hello.serverName();
    CompiledPassthrough pass = tables.routes().passthrough(sni);
    if (pass != null) {
      relay.start(ctx.channel(), pass.route(), pass.balancer(), sni);
      return;
    }
    if (!handshakes.tryAcquire()) {
      // hardening: over the cap of handshakes in progress; closed before any TLS work
      ctx.close();
      return;
    }
    SslContext context;
    SslHandler ssl;
    try {
      context = tables.certificates().select(sni);
      ssl = tables.certificates().newHandler(context, ctx.alloc()); // + OCSP staple
    } catch (RuntimeException e) {
      handshakes.release(); // the sniffer counts and logs the failed dispatch
      throw e;
    }
    ssl.setHandshakeTimeoutMillis(settings.tlsHandshakeTimeout().toMillis());
    ChannelPipeline p = ctx.pipeline();
    p.addAfter(ctx.name(), TLS, ssl);
    p.addAfter(TLS, HANDOFF, new TlsHandoff(this, handshakeFailures, handshakes));
  }

  /** Called by {@link TlsHandoff} once the handshake chose HTTP/1.1 (or no ALPN at all). */
  void installHttp1(ChannelPipeline p) {
    DownstreamInitializer.installHttp1(p, settings, decoderConfig, proxy, guards);
  }

  /**
   * Called by {@link TlsHandoff} once ALPN chose {@code h2}. The connection stays in the server's
   * channel group, so shutdown's drain event reaches the HTTP/2 handlers, which answer it with
   * GOAWAY and let the streams in flight finish.
   */
  void installHttp2(ChannelPipeline p) {
    Http2Downstream.install(p, proxy, settings);
  }

  /**
   * Reads are explicit on the data plane's connections (AUTO_READ off). Nothing before the TLS
   * decision asks for the first bytes, so this does, once, and leaves.
   */
  @Sharable
  static final class ReadOnActive extends ChannelInboundHandlerAdapter {
    static final ReadOnActive INSTANCE = new ReadOnActive();

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.fireChannelActive();
      ctx.read();
      ctx.pipeline().remove(this);
    }
  }
}

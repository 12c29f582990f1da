package dev.sluice.dataplane.proxyprotocol;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import dev.sluice.dataplane.http.TrustedProxies;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * First handler of a listener that requires a PROXY protocol header. Add it at the head of every
 * accepted channel's pipeline ({@code pipeline.addFirst(ProxyProtocolAcceptor.NAME, acceptor)}); one
 * instance serves the whole listener.
 *
 * <p>When the channel's handlers are added it checks the TCP peer against the trusted CIDRs and
 * closes the connection at once if it is not trusted. Otherwise it replaces itself with a
 * per-connection reader: a prefix check (so that a client speaking TLS or HTTP directly is refused
 * on its first bytes, not after 108 bytes or a timeout), Netty's {@link HAProxyMessageDecoder} (v1
 * and v2 autodetected, v2 capped at {@link ProxyProtocolSettings#MAX_HEADER_BYTES} including TLVs)
 * and a listener that stores the addresses in {@link ClientAddress}, asks the {@link
 * ClientAdmission} about the client, and removes itself. The handlers
 * after it see the bytes following the header, untouched, as ordinary {@code channelRead}s.
 *
 * <p>A header that is missing, garbled, over the size cap, or not complete within the header timeout
 * closes the connection; each outcome is counted in {@code sluice_proxy_protocol_rejected_total}
 * {reason=untrusted|missing|malformed|timeout}, successes in {@code
 * sluice_proxy_protocol_accepted_total}{version=v1|v2}. Nothing is logged per connection.
 *
 * <p>Stateless (all per-connection state lives in the handlers it installs), hence sharable.
 */
@Sharable
public final class ProxyProtocolAcceptor extends ChannelInboundHandlerAdapter {

  public static final String NAME = "proxy-protocol";

  private final ProxyProtocolSettings settings;
  private final TrustedProxies.Cidrs trusted;
  private final long headerTimeoutNanos;
  private final ClientAdmission admission;
  final Counter untrusted;
  final Counter missing;
  final Counter malformed;
  final Counter timeout;
  final Counter acceptedV1;
  final Counter acceptedV2;

  public ProxyProtocolAcceptor(ProxyProtocolSettings settings, MeterRegistry registry) {
    this(settings, registry, ProxyProtocolSettings.DEFAULT_HEADER_TIMEOUT);
  }

  public ProxyProtocolAcceptor(
      ProxyProtocolSettings settings, MeterRegistry registry, Duration headerTimeout) {
    this(settings, registry, headerTimeout, ClientAdmission.ANY);
  }

  /**
   * @param admission asked about the client a header names (TCP4/TCP6 PROXY headers only); a
   *     connection it refuses is closed without passing a byte on
   */
  public ProxyProtocolAcceptor(
      ProxyProtocolSettings settings,
      MeterRegistry registry,
      Duration headerTimeout,
      ClientAdmission admission) {
    this.admission = Objects.requireNonNull(admission, "admission");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.trusted = new TrustedProxies.Cidrs(settings.trustedCidrs());
    if (headerTimeout.isNegative() || headerTimeout.isZero()) {
      throw new IllegalArgumentException("headerTimeout must be positive: " + headerTimeout);
    }
    this.headerTimeoutNanos = headerTimeout.toNanos();
    String rejected = "sluice_proxy_protocol_rejected_total";
    untrusted = Counter.builder(rejected).tag("reason", "untrusted").register(registry);
    missing = Counter.builder(rejected).tag("reason", "missing").register(registry);
    malformed = Counter.builder(rejected).tag("reason", "malformed").register(registry);
    timeout = Counter.builder(rejected).tag("reason", "timeout").register(registry);
    String accepted = "sluice_proxy_protocol_accepted_total";
    acceptedV1 = Counter.builder(accepted).tag("version", "v1").register(registry);
    acceptedV2 = Counter.builder(accepted).tag("version", "v2").register(registry);
  }

  public ProxyProtocolSettings settings() {
    return settings;
  }

  ClientAdmission admission() {
    return admission;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ChannelPipeline p = ctx.pipeline();
    if (!settings.required()) {
      p.remove(this);
      return;
    }
    if (!isTrusted(ctx.channel().remoteAddress())) {
      untrusted.increment();
      p.remove(this);
      ctx.channel().close();
      return;
    }
    String base = ctx.name();
    ProxyHeaderListener listener = new ProxyHeaderListener(this, headerTimeoutNanos);
    // gate -> decoder -> listener, in that order, where this handler was.
    p.addAfter(base, base + "-listener", listener);
    p.addAfter(
        base,
        base + "-decoder",
        new HAProxyMessageDecoder(
            ProxyProtocolSettings.MAX_HEADER_BYTES - V2_FIXED_AND_ADDRESS_BYTES));
    p.replace(this, base + "-gate", new ProxyHeaderGate(listener));
  }

  /**
   * HAProxyMessageDecoder counts the TLV allowance on top of 16 fixed bytes plus the 216-byte
   * largest address block, so this turns our whole-header cap into its TLV parameter.
   */
  private static final int V2_FIXED_AND_ADDRESS_BYTES = 16 + 216;

  private boolean isTrusted(SocketAddress peer) {
    return peer instanceof InetSocketAddress isa
        && isa.getAddress() != null
        && trusted.trusts(isa.getAddress());
  }
}

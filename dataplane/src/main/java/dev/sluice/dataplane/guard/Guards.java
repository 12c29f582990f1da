package dev.sluice.dataplane.guard;

import dev.sluice.dataplane.proxy.ProxyErrors;
import dev.sluice.dataplane.server.Limits;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;

/**
 * The hardening handlers of a server's listeners, built once from {@link Limits} and installed by
 * the listeners' channel initializers in two places. One instance serves both listeners, so the
 * connection caps cover the whole process.
 *
 * <pre>
 *   accepted:   connection-limit (first; closes over-cap connections before any read)
 *   around codec: obs-fold-raw -> [codec] -> obs-fold -> request-validator -> body-guard -> write-timeout
 * </pre>
 *
 * The HTTPS listener admits before its PROXY reader and ClientHello sniffer and adds the codec
 * guards once the handshake chose HTTP/1.1. The stateless handlers (limiter, validator) are shared
 * by every connection; the per-connection ones are created per call. {@link #acceptErrors()} goes
 * on each listening channel.
 *
 * <p>Thread safety: immutable; the handlers document their own.
 */
public final class Guards {
  private final Limits limits;
  private final ProxyErrors errors;
  private final ConnectionLimiter limiter;
  private final RequestValidator validator;
  private final AcceptErrorHandler acceptErrors;

  /**
   * @param proxyProtocol true when the listeners require a PROXY header: the TCP peer is then the
   *     balancer and the per-IP cap counts the address the header names instead ({@link
   *     ConnectionLimiter#rebind}, called by the PROXY protocol reader)
   */
  public Guards(Limits limits, ProxyErrors errors, boolean proxyProtocol) {
    this.limits = limits;
    this.errors = errors;
    this.limiter =
        new ConnectionLimiter(
            limits.maxConnections(), limits.maxConnectionsPerIp(), !proxyProtocol, errors);
    this.validator = new RequestValidator(limits.maxHeaderCount(), limits.maxBodySize());
    this.acceptErrors = new AcceptErrorHandler(errors);
  }

  /**
   * Call first in the initializer of an accepted connection. Returns false when the connection was
   * over a cap and is closed: install nothing more.
   */
  public boolean admit(Channel ch) {
    ch.pipeline().addFirst(ConnectionLimiter.NAME, limiter);
    return ch.isOpen();
  }

  /**
   * Adds the HTTP/1.1 request guards around the handler named {@code codec}: the raw side of the
   * obs-fold check right before it, the rest right after it.
   */
  public void afterCodec(ChannelPipeline p, String codec) {
    ObsFoldGuard fold = new ObsFoldGuard();
    p.addBefore(codec, ObsFoldGuard.RAW_NAME, fold.rawSide());
    p.addAfter(codec, ObsFoldGuard.NAME, fold);
    p.addAfter(ObsFoldGuard.NAME, RequestValidator.NAME, validator);
    p.addAfter(
        RequestValidator.NAME,
        RequestBodyGuard.NAME,
        new RequestBodyGuard(limits.maxBodySize(), limits.bodyReadTimeout()));
    p.addAfter(
        RequestBodyGuard.NAME, WriteTimeoutHandler.NAME, new WriteTimeoutHandler(limits.writeTimeout(), errors));
  }

  /** For {@code ServerBootstrap.handler}: counts failed accepts (Netty pauses accepting 1 s). */
  public AcceptErrorHandler acceptErrors() {
    return acceptErrors;
  }

  public ConnectionLimiter limiter() {
    return limiter;
  }
}

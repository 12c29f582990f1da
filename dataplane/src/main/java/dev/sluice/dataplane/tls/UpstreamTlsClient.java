package dev.sluice.dataplane.tls;

import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.UpstreamTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The compiled form of one {@link UpstreamTls}: a shared client {@link SslContext} plus the SNI
 * name, ready to make an {@link SslHandler} per upstream connection. Built when a snapshot is
 * compiled (see {@link UpstreamTlsContexts}), so the request path does no parsing.
 *
 * <p>A client whose context could not be built (an unreadable CA bundle that slipped past the
 * producer) still exists: every connection through it fails with an SSLException naming the
 * problem, so only the routes that use it answer 502 while the rest of the snapshot is served.
 *
 * <p>Thread safety: immutable; used from every event loop.
 */
public final class UpstreamTlsClient {
  private final UpstreamTls settings;
  private final SslContext context;
  private final String problem;
  private final String poolKeyPrefix;
  private final boolean h2;

  UpstreamTlsClient(UpstreamTls settings, SslContext context, String problem, boolean h2) {
    this.settings = settings;
    this.context = context;
    this.problem = problem;
    this.h2 = h2;
    // Everything that makes two TLS connections to one address different. The context's trust is
    // named by the CA's hash, not by object identity, so the key survives snapshot swaps.
    this.poolKeyPrefix =
        (h2 ? "tls-h2|" : "tls|")
            + (settings.verify() ? "verify|" : "noverify|")
            + (settings.caPem() == null ? "-" : settings.caSha256())
            + "|"
            + (settings.serverName() == null ? "-" : settings.serverName())
            + "|";
  }

  /** Whether this client offers only {@code h2} in ALPN (H2 upstreams) rather than http/1.1. */
  public boolean h2() {
    return h2;
  }

  public UpstreamTls settings() {
    return settings;
  }

  /**
   * The key under which connections to {@code authority} through this client are pooled: never
   * equal to a plain connection's key (which is the bare authority) nor to another client's, and
   * an h2 client's keys never equal an HTTP/1.1 client's with the same settings.
   */
  public String poolKey(String authority) {
    return poolKeyPrefix + authority;
  }

  /** The name sent as SNI and verified for {@code endpoint}, or {@code null} for none. */
  public String serverNameFor(Endpoint endpoint) {
    if (settings.serverName() != null) {
      return settings.serverName();
    }
    String address = endpoint.address();
    return NetUtil.isValidIpV4Address(address) || NetUtil.isValidIpV6Address(address)
        ? null
        : address;
  }

  /**
   * A client-mode handler for one connection to {@code endpoint}. Passing the peer's name and port
   * lets the provider resume TLS sessions per upstream (BoringSSL's client session cache is keyed
   * by them).
   *
   * @throws IllegalStateException when this client has no usable context ({@link #problem()} says
   *     why; check it before connecting)
   */
  public SslHandler newHandler(ByteBufAllocator alloc, Endpoint endpoint, long handshakeTimeoutMillis) {
    if (context == null) {
      throw new IllegalStateException("upstream TLS settings unusable: " + problem);
    }
    String name = serverNameFor(endpoint);
    SslHandler handler =
        context.newHandler(alloc, name != null ? name : endpoint.address(), endpoint.port());
    if (name != null) {
      SSLEngine engine = handler.engine();
      SSLParameters params = engine.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName(name)));
      if (settings.verify()) {
        // the context leaves identification off: it is on per connection, only when there is a
        // name to check (a pod IP is in no certificate, so IP endpoints get chain checks only)
        params.setEndpointIdentificationAlgorithm("HTTPS");
      }
      engine.setSSLParameters(params);
    }
    handler.setHandshakeTimeoutMillis(Math.max(1, handshakeTimeoutMillis));
    return handler;
  }

  SslContext context() {
    return context;
  }

  /** Why no context could be built, or {@code null} when it is usable. */
  public String problem() {
    return problem;
  }

  @Override
  public String toString() {
    return "UpstreamTlsClient[" + (h2 ? "h2, " : "") + settings + (problem == null ? "" : ", unusable: " + problem) + "]";
  }
}

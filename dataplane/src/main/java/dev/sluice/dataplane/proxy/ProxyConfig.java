package dev.sluice.dataplane.proxy;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.accesslog.AccessLog;
import dev.sluice.dataplane.http.ForwardedHeaders;
import dev.sluice.dataplane.metrics.RequestMetrics;
import dev.sluice.dataplane.upstream.UpstreamPools;
import java.util.Objects;

/**
 * What every proxy handler of one listener shares, built once at start.
 *
 * @param snapshots the current routes
 * @param pools upstream connections, one pool per event loop
 * @param forwarded X-Forwarded-* policy of this listener
 * @param errors error counters and log
 * @param tls whether this listener terminates TLS: X-Forwarded-Proto {@code https} and HSTS on
 *     responses; when false, routes with {@code sslRedirect} are redirected to HTTPS
 * @param httpsPort the HTTPS port redirects point to (left out of {@code Location} when 443); 0 when
 *     there is no HTTPS listener, which switches redirects off
 * @param requests per-route request counters and duration histograms
 * @param accessLog where each finished request is logged ({@link AccessLog#off()}: nowhere)
 */
public record ProxyConfig(
    SnapshotHolder snapshots,
    UpstreamPools pools,
    ForwardedHeaders forwarded,
    ProxyErrors errors,
    boolean tls,
    int httpsPort,
    RequestMetrics requests,
    AccessLog accessLog) {

  /** Without an access log. */
  public ProxyConfig(
      SnapshotHolder snapshots,
      UpstreamPools pools,
      ForwardedHeaders forwarded,
      ProxyErrors errors,
      boolean tls,
      int httpsPort,
      RequestMetrics requests) {
    this(snapshots, pools, forwarded, errors, tls, httpsPort, requests, AccessLog.off());
  }

  /** A listener that never redirects to HTTPS and records no request metrics. */
  public ProxyConfig(
      SnapshotHolder snapshots,
      UpstreamPools pools,
      ForwardedHeaders forwarded,
      ProxyErrors errors,
      boolean tls) {
    this(snapshots, pools, forwarded, errors, tls, 0, RequestMetrics.noop());
  }

  public ProxyConfig {
    if (httpsPort < 0 || httpsPort > 65535) {
      throw new IllegalArgumentException("httpsPort out of range: " + httpsPort);
    }
    Objects.requireNonNull(requests, "requests");
    Objects.requireNonNull(accessLog, "accessLog");
  }
}

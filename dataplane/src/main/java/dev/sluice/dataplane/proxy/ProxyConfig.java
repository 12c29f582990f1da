package dev.sluice.dataplane.proxy;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.http.ForwardedHeaders;
import dev.sluice.dataplane.metrics.RequestMetrics;
import dev.sluice.dataplane.upstream.UpstreamPools;

/**
 * What every proxy handler of one listener shares, built once at start.
 *
 * @param snapshots the current routes
 * @param pools upstream connections, one pool per event loop
 * @param forwarded X-Forwarded-* policy of this listener
 * @param errors error counters and log
 * @param tls whether this listener terminates TLS (X-Forwarded-Proto)
 * @param requests per-route request counters and duration histograms
 */
public record ProxyConfig(
    SnapshotHolder snapshots,
    UpstreamPools pools,
    ForwardedHeaders forwarded,
    ProxyErrors errors,
    boolean tls,
    RequestMetrics requests) {

  /** Without request metrics (they record nothing). */
  public ProxyConfig(
      SnapshotHolder snapshots,
      UpstreamPools pools,
      ForwardedHeaders forwarded,
      ProxyErrors errors,
      boolean tls) {
    this(snapshots, pools, forwarded, errors, tls, RequestMetrics.noop());
  }
}

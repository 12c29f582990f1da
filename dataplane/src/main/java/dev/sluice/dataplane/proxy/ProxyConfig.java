package dev.sluice.dataplane.proxy;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.http.ForwardedHeaders;
import dev.sluice.dataplane.upstream.UpstreamPools;

/**
 * What every proxy handler of one listener shares, built once at start.
 *
 * @param snapshots the current routes
 * @param pools upstream connections, one pool per event loop
 * @param forwarded X-Forwarded-* policy of this listener
 * @param errors error counters and log
 * @param tls whether this listener terminates TLS (X-Forwarded-Proto)
 */
public record ProxyConfig(
    SnapshotHolder snapshots,
    UpstreamPools pools,
    ForwardedHeaders forwarded,
    ProxyErrors errors,
    boolean tls) {}

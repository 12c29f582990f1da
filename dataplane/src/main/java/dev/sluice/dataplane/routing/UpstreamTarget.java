package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.tls.UpstreamTlsClient;

/**
 * One backend group of a route as the request path uses it: the route's main backend or its
 * canary.
 *
 * @param group the group (its protocol decides how to connect)
 * @param balancer picks its endpoint
 * @param tls how to speak TLS to its endpoints, or {@code null} for plain HTTP
 */
public record UpstreamTarget(BackendGroup group, Balancer balancer, UpstreamTlsClient tls) {}

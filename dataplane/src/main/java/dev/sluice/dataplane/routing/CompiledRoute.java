package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.VirtualHost;

/**
 * A route as the request path uses it: the snapshot's route plus what was compiled for it once.
 *
 * @param virtualHost the host entry that matched
 * @param route the path route that matched
 * @param balancer picks the endpoint
 */
public record CompiledRoute(VirtualHost virtualHost, HttpRoute route, Balancer balancer) {}

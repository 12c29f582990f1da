package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.PassthroughRoute;

/**
 * A passthrough route as the HTTPS listener uses it: the snapshot's route plus its balancer,
 * compiled once per snapshot.
 */
public record CompiledPassthrough(PassthroughRoute route, Balancer balancer) {}

package dev.sluice.dataplane.policy;

/**
 * State of the route policies that outlives one snapshot (per-client rate-limit buckets, fetched
 * key sets ...), so that a configuration change does not reset them. One per server, kept by the
 * {@code SnapshotHolder} and handed to {@link RouteFilters#compile} with every snapshot.
 *
 * <p>Thread safety: what it holds is shared by every event loop and must be thread-safe.
 */
public final class PolicyRuntime {

  public PolicyRuntime() {}
}

package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.policy.jwt.JwksCache;

/**
 * State of the route policies that outlives one snapshot (per-client rate-limit buckets, fetched
 * key sets ...), so that a configuration change does not reset them. One per server, kept by the
 * {@code SnapshotHolder} and handed to {@link RouteFilters#compile} with every snapshot.
 *
 * <p>Thread safety: what it holds is shared by every event loop and must be thread-safe.
 */
public final class PolicyRuntime {
  private final JwksCache jwks = new JwksCache();

  public PolicyRuntime() {}

  /** Fetched JWK sets by URL (JWT validation). */
  public JwksCache jwks() {
    return jwks;
  }
}

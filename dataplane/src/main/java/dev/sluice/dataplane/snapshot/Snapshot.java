package dev.sluice.dataplane.snapshot;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The whole routing state the data plane serves, as one immutable value. Producers (the controller,
 * the manifest-folder source, tests) build it; {@code dev.sluice.dataplane.routing.RouteTable}
 * compiles it once for lookups when it is published. Never mutated after construction.
 *
 * @param version monotonically increasing per producer; shown on /snapshot and in logs
 * @param builtAt when the producer finished building it
 * @param virtualHosts HTTP routing, one entry per distinct host pattern (exact, {@code *.} wildcard,
 *     or {@link VirtualHost#CATCH_ALL})
 * @param passthrough SNI passthrough routes (served on the HTTPS port without decrypting)
 * @param certificates certificates for TLS termination, matched by SNI
 * @param acmeChallenges ACME challenges in validation (HTTP-01 tokens, TLS-ALPN-01 certificates);
 *     empty almost always
 */
public record Snapshot(
    long version,
    Instant builtAt,
    List<VirtualHost> virtualHosts,
    List<PassthroughRoute> passthrough,
    List<Certificate> certificates,
    AcmeChallenges acmeChallenges) {

  public Snapshot {
    Objects.requireNonNull(builtAt, "builtAt");
    virtualHosts = List.copyOf(virtualHosts);
    passthrough = List.copyOf(passthrough);
    certificates = List.copyOf(certificates);
    Objects.requireNonNull(acmeChallenges, "acmeChallenges");
  }

  /** A snapshot without ACME challenges (what most producers build). */
  public Snapshot(
      long version,
      Instant builtAt,
      List<VirtualHost> virtualHosts,
      List<PassthroughRoute> passthrough,
      List<Certificate> certificates) {
    this(version, builtAt, virtualHosts, passthrough, certificates, AcmeChallenges.empty());
  }

  /** What the data plane serves before any producer has published: every request gets 404. */
  public static Snapshot empty() {
    return new Snapshot(0, Instant.EPOCH, List.of(), List.of(), List.of());
  }
}

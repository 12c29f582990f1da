package dev.sluice.controller.cluster;

import dev.sluice.controller.translate.AcmeSource;
import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Certificate;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@link AcmeSource} a cluster replica translates with: issued certificates and order failures
 * from this replica's ACME manager, but the pending challenges from the leader's challenge Secret as
 * the cache sees it, so a replica that does not order (or a leader whose data plane must prove the
 * Secret round trip) serves what the leader published. Thread-safe if its parts are.
 */
record ReplicatedAcmeSource(AcmeSource local, Supplier<AcmeChallenges> published)
    implements AcmeSource {
  ReplicatedAcmeSource {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(published, "published");
  }

  @Override
  public AcmeChallenges challenges() {
    return published.get();
  }

  @Override
  public Optional<Certificate> issued(String namespace, String secretName) {
    return local.issued(namespace, secretName);
  }

  @Override
  public Optional<String> failure(String namespace, String secretName) {
    return local.failure(namespace, secretName);
  }
}

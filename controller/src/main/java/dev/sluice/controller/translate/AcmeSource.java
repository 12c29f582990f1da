package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Certificate;
import java.util.Optional;

/**
 * What the ACME side feeds into a translation besides the cluster state: the challenges being
 * validated (they go into the snapshot, so the data plane answers them), certificates issued into
 * a store the input does not show (standalone mode's state directory), and why an order failed.
 *
 * <p>Called on the translating thread; implementations are thread-safe.
 */
public interface AcmeSource {
  /** No ACME: no challenges, nothing issued, no failures. */
  AcmeSource NONE = new AcmeSource() {
    @Override
    public AcmeChallenges challenges() {
      return AcmeChallenges.empty();
    }

    @Override
    public Optional<Certificate> issued(String namespace, String secretName) {
      return Optional.empty();
    }

    @Override
    public Optional<String> failure(String namespace, String secretName) {
      return Optional.empty();
    }
  };

  AcmeChallenges challenges();

  /**
   * A certificate issued for {@code namespace/secretName} to serve instead of (or in the absence
   * of) a Secret in the input; empty in cluster mode, where issued certificates are Secrets.
   */
  Optional<Certificate> issued(String namespace, String secretName);

  /** Why the last order for {@code namespace/secretName} failed, while it is being retried. */
  Optional<String> failure(String namespace, String secretName);
}

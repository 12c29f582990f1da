package dev.sluice.dataplane.admin;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.SnapshotJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the admin endpoints show of one snapshot, computed once when it is first asked for: the
 * {@code /snapshot} JSON and each certificate's expiry (parsed by {@link SnapshotJson}).
 *
 * @param snapshot the snapshot (compared by identity to know when to recompute)
 * @param json {@link SnapshotJson#render} as UTF-8
 * @param certificates one entry per certificate, in snapshot order
 */
record SnapshotView(Snapshot snapshot, byte[] json, List<CertificateInfo> certificates) {

  static SnapshotView of(Snapshot snapshot) {
    List<CertificateInfo> certs = new ArrayList<>();
    for (Certificate c : snapshot.certificates()) {
      certs.add(new CertificateInfo(c.name(), c.hostnames(), SnapshotJson.notAfter(c)));
    }
    return new SnapshotView(
        snapshot, SnapshotJson.render(snapshot).getBytes(StandardCharsets.UTF_8), List.copyOf(certs));
  }

  /** @param notAfter {@code null} when the PEM could not be parsed */
  record CertificateInfo(String name, List<String> hostnames, Instant notAfter) {}
}

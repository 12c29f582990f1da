package dev.sluice.dataplane;

import dev.sluice.dataplane.routing.EndpointRegistry;
import dev.sluice.dataplane.routing.RouteTable;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.tls.CertificateProblem;
import dev.sluice.dataplane.tls.CertificateTable;
import dev.sluice.dataplane.tls.OcspStapler;
import dev.sluice.dataplane.tls.TlsContextFactory;
import dev.sluice.dataplane.tls.TlsSettings;
import dev.sluice.dataplane.tls.UpstreamTlsContexts;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process channel between producers and the data plane. {@link #publish} compiles a snapshot
 * once — the HTTP/passthrough {@link RouteTable} and the {@link CertificateTable} — and swaps both in
 * together, atomically: requests and connections already routed keep the objects they hold, new ones
 * see the new tables, and nothing is closed.
 *
 * <p>Certificates that cannot be used (bad PEM, key not matching, a name claimed twice) are left out
 * and logged; the rest of the snapshot is still published. Server TLS contexts are cached by one
 * {@link TlsContextFactory} and client contexts of HTTPS upstreams by one {@link
 * UpstreamTlsContexts}, both owned here, so unchanged certificates keep their contexts (and session
 * caches) across snapshots.
 *
 * <p>Thread safety: {@link #current()} and {@link #tables()} are read by every event loop (one
 * volatile read); {@link #publish} may be called from any thread (calls are serialised).
 */
public final class SnapshotHolder implements Consumer<Snapshot> {

  /**
   * TLS settings used when none are given: {@link TlsSettings#defaults()} offering the application
   * protocols the HTTPS listener serves, HTTP/2 first (ALPN {@code h2, http/1.1}).
   */
  public static final TlsSettings DEFAULT_TLS_SETTINGS =
      TlsSettings.defaults().toBuilder().alpnProtocols(List.of("h2", "http/1.1")).build();

  private static final Logger log = LoggerFactory.getLogger(SnapshotHolder.class);

  /** Both tables of one snapshot, swapped as one. Immutable. */
  public record Tables(RouteTable routes, CertificateTable certificates) {
    public Tables {
      Objects.requireNonNull(routes, "routes");
      Objects.requireNonNull(certificates, "certificates");
    }
  }

  private final EndpointRegistry registry = new EndpointRegistry();
  private final TlsContextFactory tlsContexts = new TlsContextFactory();
  /** Client TLS contexts of HTTPS upstreams, reused from one snapshot to the next. */
  private final UpstreamTlsContexts upstreamTls = new UpstreamTlsContexts();
  /** Policy state that outlives snapshots (rate-limit buckets, key sets ...). */
  private final dev.sluice.dataplane.policy.PolicyRuntime policies =
      new dev.sluice.dataplane.policy.PolicyRuntime();
  private final TlsSettings tlsSettings;
  private final Certificate defaultCertificate;
  private final OcspStapler ocspStapler; // null: no OCSP stapling
  private final AtomicReference<Tables> current;
  private volatile boolean published;
  private volatile List<CertificateProblem> certificateProblems = List.of();
  // written under the publish lock, read by metric gauges and the admin page on any thread
  private volatile long publishedAtMillis;
  private volatile long publishes;

  /** Default TLS settings ({@link #DEFAULT_TLS_SETTINGS}) and the generated default certificate. */
  public SnapshotHolder() {
    this(DEFAULT_TLS_SETTINGS, null);
  }

  /**
   * @param tlsSettings how terminated TLS is configured (versions, ciphers, ALPN)
   * @param defaultCertificate served to clients whose SNI matches no certificate (and to clients
   *     without SNI); {@code null} for a generated self-signed one ({@link
   *     dev.sluice.dataplane.tls.DefaultCertificate})
   */
  public SnapshotHolder(TlsSettings tlsSettings, Certificate defaultCertificate) {
    this(tlsSettings, defaultCertificate, null);
  }

  /**
   * As {@link #SnapshotHolder(TlsSettings, Certificate)}, stapling OCSP responses from {@code
   * ocspStapler} (owned and closed by the caller; {@code null} for none) for every published
   * snapshot's certificates.
   */
  public SnapshotHolder(
      TlsSettings tlsSettings, Certificate defaultCertificate, OcspStapler ocspStapler) {
    this.tlsSettings = Objects.requireNonNull(tlsSettings, "tlsSettings");
    this.defaultCertificate = defaultCertificate;
    this.ocspStapler = ocspStapler;
    current = new AtomicReference<>(compile(Snapshot.empty()));
  }

  /** Compiles and swaps in {@code snapshot}. */
  public synchronized void publish(Snapshot snapshot) {
    current.set(compile(snapshot));
    publishedAtMillis = System.currentTimeMillis();
    publishes = publishes + 1;
    published = true;
  }

  private Tables compile(Snapshot snapshot) {
    RouteTable routes = RouteTable.compile(snapshot, registry, upstreamTls, policies);
    CertificateTable.Compilation certs =
        CertificateTable.compile(
            snapshot.certificates(), defaultCertificate, tlsSettings, tlsContexts, ocspStapler);
    for (CertificateProblem p : certs.problems()) {
      log.warn(
          "snapshot v{}: certificate {}: {}", snapshot.version(), p.certificateName(), p.message());
    }
    certificateProblems = certs.problems();
    return new Tables(routes, certs.table());
  }

  @Override
  public void accept(Snapshot snapshot) {
    publish(snapshot);
  }

  /** The table new HTTP requests are routed with. */
  public RouteTable current() {
    return current.get().routes();
  }

  /**
   * Routes and certificates of the current snapshot, read together: the HTTPS listener reads this
   * once per connection so its passthrough and certificate decisions come from the same snapshot.
   */
  public Tables tables() {
    return current.get();
  }

  /** The TLS settings certificates are compiled with. */
  public TlsSettings tlsSettings() {
    return tlsSettings;
  }

  /** Certificates of the last published snapshot that are not served, and why. */
  public List<CertificateProblem> certificateProblems() {
    return certificateProblems;
  }

  /** True once a producer published its first complete snapshot (drives /readyz). */
  public boolean hasPublished() {
    return published;
  }

  /** Wall-clock time of the last successful {@link #publish} in epoch millis; 0 before the first. */
  public long lastPublishedAtMillis() {
    return publishedAtMillis;
  }

  /** How many snapshots were published since start. */
  public long publishCount() {
    return publishes;
  }
}

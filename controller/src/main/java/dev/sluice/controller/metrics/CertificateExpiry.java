package dev.sluice.controller.metrics;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.SnapshotJson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@value #EXPIRES_IN} ({@code sluice_certificate_expires_in_seconds{host}}): seconds until the
 * certificate served for each TLS host of the snapshot expires (its leaf's notAfter; negative once
 * expired), computed at scrape time so it counts down between snapshots. One series per host name a
 * certificate is configured for (exact or {@code *.} wildcard, as the Ingress's {@code spec.tls}
 * lists it), so the label is bounded by the configuration, never by traffic. When two certificates
 * claim a host, the first one counts, as the data plane's certificate table serves the first. The
 * generated default certificate has no host and no series.
 *
 * <p>Every certificate of every snapshot goes through here, ACME's or not (ACME also keeps its own
 * {@code sluice_certificate_expiry_timestamp_seconds} for the hosts it manages).
 *
 * <p>Threading: {@link #update} by one thread at a time; each leaf is parsed once per distinct PEM
 * (the previous snapshot's parses are reused), not per rebuild.
 */
final class CertificateExpiry {
  public static final String EXPIRES_IN = "sluice.certificate.expires.in";

  private final MultiGauge gauge;
  private final Clock clock;
  private Map<String, Instant> parsed = Map.of(); // chain PEM -> leaf notAfter, last update's

  CertificateExpiry(MeterRegistry registry) {
    this(registry, Clock.systemUTC());
  }

  CertificateExpiry(MeterRegistry registry, Clock clock) {
    this.clock = clock;
    this.gauge =
        MultiGauge.builder(EXPIRES_IN)
            .baseUnit("seconds")
            .description("Seconds until the certificate served for this host expires")
            .register(registry);
  }

  void update(List<Certificate> certificates) {
    Map<String, Instant> nowParsed = new HashMap<>();
    Map<String, Instant> byHost = new LinkedHashMap<>();
    for (Certificate c : certificates) {
      String pem = c.certificateChainPem();
      Instant notAfter = nowParsed.get(pem);
      if (notAfter == null && !nowParsed.containsKey(pem)) {
        notAfter = parsed.containsKey(pem) ? parsed.get(pem) : SnapshotJson.notAfter(c);
        nowParsed.put(pem, notAfter);
      }
      if (notAfter == null) {
        continue; // unparseable PEM: the data plane refuses it too
      }
      for (String host : c.hostnames()) {
        byHost.putIfAbsent(host, notAfter);
      }
    }
    parsed = nowParsed;
    List<MultiGauge.Row<?>> rows = new ArrayList<>(byHost.size());
    byHost.forEach(
        (host, notAfter) ->
            rows.add(
                MultiGauge.Row.of(
                    Tags.of("host", host),
                    notAfter,
                    t -> (t.toEpochMilli() - clock.millis()) / 1000.0)));
    gauge.register(rows, true);
  }
}

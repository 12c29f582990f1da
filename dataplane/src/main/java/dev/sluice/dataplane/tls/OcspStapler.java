package dev.sluice.dataplane.tls;

import dev.sluice.dataplane.tls.CertificateTable.Served;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OCSP stapling for terminated TLS: fetches, checks and caches an OCSP response for every
 * certificate of the current {@link CertificateTable} that has a responder ({@link OcspTarget}),
 * and sets the cached response on new server engines ({@link #staple(SslContext, SSLEngine)}).
 *
 * <ul>
 *   <li>Responses are fetched on one daemon thread of its own ({@code sluice-ocsp}), never on an
 *       event loop; a handshake only reads what is cached, so a slow or dead responder never
 *       delays a handshake — the certificate is served without a staple.
 *   <li>A response is stapled only if {@link OcspVerifier} finds it signed for the issuer, {@code
 *       good} and current; it is dropped at its {@code nextUpdate}, and refreshed at half its
 *       validity window (within {@link Settings#minRefresh} and {@link Settings#maxRefresh}).
 *   <li>Failures retry with exponential backoff from {@link Settings#initialBackoff} up to {@link
 *       Settings#maxBackoff}. A failed refresh keeps the previous good response until it expires;
 *       a {@code revoked} or {@code unknown} answer drops it at once.
 *   <li>Cached per leaf fingerprint; a certificate that leaves the table ({@link #track} with a
 *       table without it) is forgotten and its refresh cancelled.
 * </ul>
 *
 * Metrics: {@code sluice_tls_ocsp_staples_total{result=good|revoked|unknown|invalid|error}} (one
 * per fetch) and {@code sluice_tls_ocsp_stapled_certificates} (certificates with a fresh staple).
 *
 * <p>Stapling needs the BoringSSL provider with OCSP on ({@link TlsContextFactory#staplesOcsp});
 * with the JDK provider {@link CertificateTable} never asks for staples.
 *
 * <p>Threads: {@link #track} from any thread (it only queues work); {@link #staple} and {@link
 * #stapledCertificates} from any thread, lock-free (one volatile read of an immutable map). All
 * other state belongs to the stapler thread.
 */
public final class OcspStapler implements AutoCloseable {

  /** Counter, tag {@code result}: {@code sluice_tls_ocsp_staples_total}. */
  public static final String STAPLES = "sluice.tls.ocsp.staples";
  /** Gauge: {@code sluice_tls_ocsp_stapled_certificates}. */
  public static final String STAPLED = "sluice.tls.ocsp.stapled.certificates";

  private static final Logger log = LoggerFactory.getLogger(OcspStapler.class);

  /**
   * Timing and limits. Immutable.
   *
   * @param requestTimeout connect and response timeout of one fetch
   * @param maxResponseBytes larger responses are refused (result {@code error})
   * @param minRefresh refresh no more often than this, however short the validity window
   * @param maxRefresh refresh at least this often, however long the validity window
   * @param initialBackoff first retry after a failure; doubled per consecutive failure
   * @param maxBackoff longest wait between retries
   */
  public record Settings(
      Duration requestTimeout,
      int maxResponseBytes,
      Duration minRefresh,
      Duration maxRefresh,
      Duration initialBackoff,
      Duration maxBackoff) {

    public Settings {
      for (Duration d : List.of(requestTimeout, minRefresh, maxRefresh, initialBackoff, maxBackoff)) {
        if (d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("OCSP durations must be positive: " + d);
        }
      }
      if (minRefresh.compareTo(maxRefresh) > 0 || initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalArgumentException("minimum above maximum in " + this);
      }
      if (maxResponseBytes < 1) {
        throw new IllegalArgumentException("maxResponseBytes must be positive");
      }
    }

    /** 10 s timeout, 64 KiB, refresh between 1 min and 12 h, retries from 30 s to 1 h. */
    public static Settings defaults() {
      return new Settings(
          Duration.ofSeconds(10),
          64 * 1024,
          Duration.ofMinutes(1),
          Duration.ofHours(12),
          Duration.ofSeconds(30),
          Duration.ofHours(1));
    }
  }

  /** A response ready to staple, until {@code nextUpdateMillis}. Never mutated. */
  private record Staple(byte[] der, long nextUpdateMillis) {}

  /** One certificate being stapled. Stapler thread only. */
  private static final class Tracked {
    final OcspTarget target;
    Set<SslContext> contexts = Collections.newSetFromMap(new IdentityHashMap<>());
    Staple staple;
    int failures;
    OcspVerdict.Result last;
    ScheduledFuture<?> next;

    Tracked(OcspTarget target) {
      this.target = target;
    }
  }

  private final Settings settings;
  private final Clock clock;
  private final ScheduledThreadPoolExecutor executor;
  private final OcspFetcher fetcher;
  private final MeterRegistry registry;
  private final Map<OcspVerdict.Result, Counter> results = new EnumMap<>(OcspVerdict.Result.class);
  private final List<Meter> meters = new ArrayList<>();
  private final Map<String, Tracked> tracked = new HashMap<>(); // by leaf fingerprint
  // replaced whole by the stapler thread, read by event loops
  private volatile Map<SslContext, Staple> staples = Map.of();

  /** Default {@link Settings}, the system clock. */
  public OcspStapler(MeterRegistry registry) {
    this(registry, Settings.defaults(), Clock.systemUTC());
  }

  /** {@code clock} judges response windows and freshness (tests pass their own). */
  public OcspStapler(MeterRegistry registry, Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.registry = registry;
    this.fetcher = new OcspFetcher(settings.requestTimeout(), settings.maxResponseBytes());
    this.executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "sluice-ocsp");
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    for (OcspVerdict.Result r : OcspVerdict.Result.values()) {
      Counter c =
          Counter.builder(STAPLES)
              .description("OCSP responses fetched for stapling, by outcome")
              .tag("result", r.tag())
              .register(registry);
      results.put(r, c);
      meters.add(c);
    }
    meters.add(
        Gauge.builder(STAPLED, this, OcspStapler::stapledCertificates)
            .description("Certificates with a fresh OCSP response to staple")
            .register(registry));
  }

  /**
   * Staples for the certificates of {@code table} from now on: new ones are fetched at once, gone
   * ones forgotten. Returns at once; {@link CertificateTable#compile} calls it.
   */
  public void track(CertificateTable table) {
    List<Served> served = table.served();
    submit(() -> apply(served), 0);
  }

  /**
   * Sets the fresh cached response for {@code context} on {@code engine}, if there is one and the
   * engine can staple (BoringSSL with OCSP on). Event loop, before the handshake; never blocks.
   */
  public void staple(SslContext context, SSLEngine engine) {
    byte[] der = staple(context);
    if (der != null && engine instanceof ReferenceCountedOpenSslEngine openSsl) {
      try {
        openSsl.setOcspResponse(der);
      } catch (IllegalStateException e) {
        // a context built without OCSP support: serve it without a staple
      }
    }
  }

  /** The fresh response (DER) stapled for {@code context}, or {@code null}. Do not modify it. */
  public byte[] staple(SslContext context) {
    Staple s = staples.get(context);
    return s != null && clock.millis() < s.nextUpdateMillis() ? s.der() : null;
  }

  /** How many certificates have a fresh response (the gauge). */
  public int stapledCertificates() {
    long now = clock.millis();
    Set<Staple> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Staple s : staples.values()) {
      if (now < s.nextUpdateMillis()) {
        fresh.add(s);
      }
    }
    return fresh.size();
  }

  /** Stops fetching (interrupting a fetch in flight) and removes the meters. */
  @Override
  public void close() {
    executor.shutdownNow();
    fetcher.close();
    meters.forEach(registry::remove);
  }

  // ---- stapler thread ----

  private void apply(List<Served> served) {
    for (Tracked t : tracked.values()) {
      t.contexts = Collections.newSetFromMap(new IdentityHashMap<>());
    }
    for (Served s : served) {
      OcspTarget target;
      try {
        target = OcspTarget.of(s.chain());
      } catch (RuntimeException e) {
        log.warn("OCSP: cannot read certificate {}; not stapled", s.name(), e);
        continue; // one odd certificate must not stop stapling for the others
      }
      if (target == null) {
        continue; // no responder or no issuer in the chain: served without a staple
      }
      Tracked t = tracked.get(target.fingerprint());
      if (t == null) {
        t = new Tracked(target);
        tracked.put(target.fingerprint(), t);
        log.debug("OCSP stapling {} for {}", target, s.name());
        schedule(t, Duration.ZERO);
      }
      t.contexts.add(s.context());
    }
    for (Iterator<Tracked> it = tracked.values().iterator(); it.hasNext(); ) {
      Tracked t = it.next();
      if (t.contexts.isEmpty()) {
        if (t.next != null) {
          t.next.cancel(false);
        }
        it.remove();
        log.debug("OCSP stapling stopped for {}", t.target);
      }
    }
    publish();
  }

  private void fetch(Tracked t) {
    if (tracked.get(t.target.fingerprint()) != t) {
      return; // left the table since this was scheduled
    }
    OcspVerdict verdict;
    byte[] der = null;
    try {
      der = fetcher.fetch(t.target, OcspVerifier.request(t.target));
      verdict = OcspVerifier.verify(der, t.target, clock.instant());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closing
      return;
    } catch (IOException | RuntimeException | org.bouncycastle.cert.ocsp.OCSPException e) {
      verdict = OcspVerdict.not(OcspVerdict.Result.ERROR, String.valueOf(e));
    }
    results.get(verdict.result()).increment();
    if (verdict.result() == OcspVerdict.Result.GOOD) {
      t.staple = new Staple(der, verdict.nextUpdate().toEpochMilli());
      t.failures = 0;
      if (t.last != OcspVerdict.Result.GOOD) {
        log.info("OCSP stapling {} until {}", t.target, verdict.nextUpdate());
      }
      schedule(t, refreshDelay(verdict));
    } else {
      if (verdict.result() == OcspVerdict.Result.REVOKED
          || verdict.result() == OcspVerdict.Result.UNKNOWN) {
        t.staple = null; // the responder's newest word: never staple an older "good" over it
      }
      t.failures++;
      if (t.last != verdict.result()) {
        log.warn("OCSP: no new staple for {}: {} ({})", t.target, verdict.result().tag(), verdict.detail());
      }
      schedule(t, backoff(t.failures));
    }
    t.last = verdict.result();
    publish();
  }

  /** Half the validity window, and half the time left, clamped to the refresh bounds. */
  private Duration refreshDelay(OcspVerdict v) {
    Duration window = Duration.between(v.thisUpdate(), v.nextUpdate());
    Duration left = Duration.between(clock.instant(), v.nextUpdate());
    Duration half = window.compareTo(left) < 0 ? window.dividedBy(2) : left.dividedBy(2);
    return clamp(half, settings.minRefresh(), settings.maxRefresh());
  }

  private Duration backoff(int failures) {
    Duration d = settings.initialBackoff().multipliedBy(1L << Math.min(failures - 1, 20));
    return clamp(d, settings.initialBackoff(), settings.maxBackoff());
  }

  private static Duration clamp(Duration d, Duration min, Duration max) {
    return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
  }

  private void schedule(Tracked t, Duration delay) {
    t.next = submit(() -> fetch(t), delay.toMillis());
  }

  private ScheduledFuture<?> submit(Runnable task, long delayMillis) {
    try {
      return executor.schedule(() -> runLogged(task), delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return null; // closed
    }
  }

  private static void runLogged(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.warn("OCSP stapler task failed", e);
    }
  }

  /** Publishes a new immutable context -> staple map for the event loops. */
  private void publish() {
    Map<SslContext, Staple> next = new IdentityHashMap<>();
    for (Tracked t : tracked.values()) {
      if (t.staple != null) {
        for (SslContext c : t.contexts) {
          next.put(c, t.staple);
        }
      }
    }
    staples = next;
  }
}

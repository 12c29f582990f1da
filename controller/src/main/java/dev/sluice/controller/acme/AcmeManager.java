package dev.sluice.controller.acme;

import dev.sluice.controller.translate.AcmeDemand;
import dev.sluice.controller.translate.AcmeSource;
import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Certificate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeRetryAfterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the certificates that Ingresses annotated {@code sluice.dev/acme: "true"} ask for (the
 * {@link AcmeDemand}s of the last translation) issued and fresh. For each demand whose certificate
 * is missing, not yet valid, for other names, or within {@link AcmeSettings#renewBefore()} of
 * expiry, it orders one through {@link AcmeIssuer} and writes it to the {@link CertificateStore}.
 *
 * <p>Only the leader orders ({@link #leading}; standalone is always leader). A failed order is
 * retried after {@code minBackoff}, doubled per failure up to {@code maxBackoff}, or later when the
 * server says so (Retry-After); the failure is fed back into translations ({@link #failure}) so it
 * becomes an Ingress problem (Event in a cluster, log line standalone). Nothing else waits for an
 * order: the previous certificate, or the default one, serves meanwhile.
 *
 * <p>As an {@link AcmeSource} it also gives the translator the pending challenges and, with {@code
 * serveFromStore} (standalone), the certificates in the store.
 *
 * <p>Threading: orders run one at a time on the {@code sluice-acme} thread; {@link #demands},
 * {@link #leading} and the {@link AcmeSource} methods may be called from any thread.
 *
 * <p>Metrics: {@value #EXPIRY} (gauge per host, seconds since the epoch) and {@value #ORDERS}
 * (counter by {@code result}: {@code valid}, {@code invalid}, {@code rate_limited}, {@code error}).
 */
public final class AcmeManager implements AcmeSource, AutoCloseable {
  public static final String EXPIRY = "sluice.certificate.expiry.timestamp";
  public static final String ORDERS = "sluice.acme.orders";

  private static final Logger log = LoggerFactory.getLogger(AcmeManager.class);

  /** The retry state of one Secret; immutable, replaced per attempt. */
  public record Backoff(int failures, Instant nextAttempt, String lastError, List<String> hosts) {}

  private final AcmeSettings settings;
  private final CertificateStore store;
  private final boolean serveFromStore;
  private final ChallengeType challenge;
  private final ChallengeBoard board = new ChallengeBoard();
  private final AcmeIssuer issuer;
  private final MeterRegistry metrics;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private final Map<String, Backoff> backoffs = new ConcurrentHashMap<>();
  private final Map<String, Optional<StoredCertificate>> issued = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> expiry = new ConcurrentHashMap<>();
  private volatile List<AcmeDemand> demands = List.of();
  private volatile boolean leading;
  private volatile Runnable refresh = () -> {};
  private ScheduledFuture<?> nextPass; // guarded by this

  /**
   * @param serveFromStore standalone: certificates are served from {@code store} (no Secret shows
   *     them); cluster: false, the Secrets written are served through the informers
   * @param challenge the challenge type, {@link ChallengeType#AUTO} already resolved
   * @param served the challenges the data plane serves now (to know when one may be triggered)
   */
  public AcmeManager(AcmeSettings settings, CertificateStore store, boolean serveFromStore,
      ChallengeType challenge, MeterRegistry metrics, Supplier<AcmeChallenges> served) {
    this(settings, store, serveFromStore, challenge, metrics, served, Clock.systemUTC());
  }

  AcmeManager(AcmeSettings settings, CertificateStore store, boolean serveFromStore,
      ChallengeType challenge, MeterRegistry metrics, Supplier<AcmeChallenges> served, Clock clock) {
    if (challenge == ChallengeType.AUTO) {
      throw new IllegalArgumentException("resolve the challenge type first");
    }
    this.settings = Objects.requireNonNull(settings, "settings");
    this.store = Objects.requireNonNull(store, "store");
    this.serveFromStore = serveFromStore;
    this.challenge = challenge;
    this.metrics = metrics;
    this.clock = clock;
    this.issuer = new AcmeIssuer(settings, store, board, served);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sluice-acme");
      t.setDaemon(true);
      return t;
    });
    for (String result : List.of("valid", "invalid", "rate_limited", "error")) {
      Counter.builder(ORDERS).tag("result", result)
          .description("ACME certificate orders by outcome").register(metrics);
    }
  }

  /** Called whenever the translation should be redone (challenges, issued certificates, failures). */
  public void onChange(Runnable r) {
    refresh = Objects.requireNonNull(r, "r");
    board.onChange(r);
  }

  /**
   * Cluster mode: where pending challenges are published for every replica (usually {@link
   * ChallengeSecret#publish}), called on the ACME thread before a challenge is triggered and after
   * it is decided, and once when this replica starts leading (to clear a previous leader's leftovers).
   */
  public void publishChallenges(Consumer<AcmeChallenges> publisher) {
    board.publisher(Objects.requireNonNull(publisher, "publisher"));
  }

  /** The demands of the latest translation; looked at on the ACME thread soon after. */
  public void demands(List<AcmeDemand> latest) {
    if (!latest.equals(demands)) {
      demands = List.copyOf(latest);
      wake();
    }
  }

  /** Whether this replica holds the lease; only the leader orders. */
  public void leading(boolean leader) {
    leading = leader;
    log.info("ACME: {}", leader ? "leading, will order certificates" : "not leading, not ordering");
    if (leader) {
      try {
        thread.execute(board::republish);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return; // closed
      }
      wake();
    }
  }

  /** The challenge type in use. */
  public ChallengeType challenge() {
    return challenge;
  }

  /** Retry state of {@code namespace/name}, when its last order failed. */
  public Optional<Backoff> backoff(String namespace, String name) {
    return Optional.ofNullable(backoffs.get(namespace + "/" + name));
  }

  @Override
  public AcmeChallenges challenges() {
    return board.current();
  }

  @Override
  public Optional<Certificate> issued(String namespace, String secretName) {
    if (!serveFromStore) {
      return Optional.empty();
    }
    String key = namespace + "/" + secretName;
    Optional<StoredCertificate> c = issued.computeIfAbsent(key, k -> {
      try {
        return store.read(namespace, secretName);
      } catch (IOException e) {
        log.warn("certificate store: {}", e.getMessage());
        return Optional.empty();
      }
    });
    return c.map(s -> new Certificate(key, s.names(), s.chainPem(), s.keyPem()));
  }

  @Override
  public Optional<String> failure(String namespace, String secretName) {
    return backoff(namespace, secretName).map(b -> b.lastError() + " (attempt " + b.failures()
        + ", next at " + b.nextAttempt() + ")");
  }

  /** Schedules a pass over the demands now (coalesced with one already due). */
  void wake() {
    schedule(Duration.ZERO);
  }

  private synchronized void schedule(Duration delay) {
    if (thread.isShutdown()) {
      return;
    }
    if (nextPass != null && !nextPass.isDone()
        && nextPass.getDelay(TimeUnit.MILLISECONDS) <= delay.toMillis()) {
      return; // one is due sooner anyway
    }
    if (nextPass != null) {
      nextPass.cancel(false);
    }
    nextPass = thread.schedule(this::pass, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
  }

  private void pass() {
    synchronized (this) {
      nextPass = null; // this run; the reschedule below (or a wake meanwhile) sets the next one
    }
    Instant next = clock.instant().plus(settings.recheckInterval());
    try {
      if (!leading) {
        return;
      }
      for (AcmeDemand d : demands) {
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
        Instant due = ensure(d);
        if (due.isBefore(next)) {
          next = due;
        }
      }
    } catch (RuntimeException e) {
      log.error("ACME pass failed; retrying later", e);
    } finally {
      Duration delay = Duration.between(clock.instant(), next);
      schedule(delay.isNegative() ? Duration.ZERO : delay);
    }
  }

  /** Orders for {@code d} if needed and allowed now; returns when it should be looked at next. */
  private Instant ensure(AcmeDemand d) {
    Instant now = clock.instant();
    Backoff b = backoffs.get(d.key());
    if (b != null && !b.hosts().equals(d.hosts())) {
      backoffs.remove(d.key()); // the hosts changed: a new order, not a retry
      b = null;
    }
    if (b != null && b.nextAttempt().isAfter(now)) {
      return b.nextAttempt();
    }
    StoredCertificate current;
    try {
      current = current(d);
    } catch (IOException e) {
      return failed(d, b, "certificate store: " + e.getMessage(), null, "error");
    }
    String why = reason(d, current, now);
    if (why == null) {
      backoffs.remove(d.key());
      recordExpiry(d.hosts(), current.notAfter());
      return current.notAfter().minus(settings.renewBefore());
    }
    log.info("ordering a certificate for Secret {} ({}) with {}: {}", d.key(), d.hosts(), challenge, why);
    try {
      StoredCertificate c = issuer.issue(d.hosts(), challenge);
      store.write(d.namespace(), d.secretName(), c);
      issued.put(d.key(), Optional.of(c));
      backoffs.remove(d.key());
      count("valid");
      recordExpiry(d.hosts(), c.notAfter());
      log.info("certificate for Secret {} issued, valid until {}", d.key(), c.notAfter());
      refresh.run();
      return c.notAfter().minus(settings.renewBefore());
    } catch (AcmeRateLimitedException e) {
      return failed(d, b, "rate limited: " + e.getMessage(), e.getRetryAfter().orElse(null), "rate_limited");
    } catch (AcmeRetryAfterException e) {
      return failed(d, b, e.getMessage(), e.getRetryAfter(), "error");
    } catch (org.shredzone.acme4j.exception.AcmeException e) {
      String result = e.getMessage() != null && e.getMessage().contains("validation of") ? "invalid" : "error";
      return failed(d, b, e.getMessage(), null, result);
    } catch (IOException | RuntimeException e) {
      return failed(d, b, e.toString(), null, "error");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return clock.instant();
    }
  }

  private StoredCertificate current(AcmeDemand d) throws IOException {
    Optional<StoredCertificate> stored = store.read(d.namespace(), d.secretName());
    if (stored.isPresent() && StoredCertificate.leaf(stored.get().chainPem()) != null) {
      if (serveFromStore) {
        issued.put(d.key(), stored);
      }
      return stored.get();
    }
    X509Certificate leaf = StoredCertificate.leaf(d.inputChainPem());
    if (leaf == null) {
      return null;
    }
    return new StoredCertificate(d.inputChainPem(), "", "", leaf.getNotAfter().toInstant(),
        StoredCertificate.dnsNames(leaf));
  }

  /** Why a new certificate is needed, or {@code null} when the current one will do. */
  private String reason(AcmeDemand d, StoredCertificate current, Instant now) {
    if (current == null) {
      return "no certificate yet";
    }
    X509Certificate leaf = StoredCertificate.leaf(current.chainPem());
    if (leaf == null) {
      return "the current certificate cannot be read";
    }
    if (leaf.getNotBefore().toInstant().isAfter(now)) {
      return "the current certificate is not valid yet";
    }
    List<String> names = StoredCertificate.dnsNames(leaf);
    if (!names.containsAll(d.hosts())) {
      return "the current certificate is for " + names + ", not " + d.hosts();
    }
    Instant notAfter = leaf.getNotAfter().toInstant();
    if (!notAfter.minus(settings.renewBefore()).isAfter(now)) {
      return "the current certificate expires at " + notAfter;
    }
    return null;
  }

  private Instant failed(AcmeDemand d, Backoff previous, String error, Instant retryAfter, String result) {
    int failures = previous == null ? 1 : previous.failures() + 1;
    Duration delay = settings.minBackoff();
    for (int i = 1; i < failures && delay.compareTo(settings.maxBackoff()) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    if (delay.compareTo(settings.maxBackoff()) > 0) {
      delay = settings.maxBackoff();
    }
    Instant next = clock.instant().plus(delay);
    if (retryAfter != null && retryAfter.isAfter(next)) {
      next = retryAfter; // the server knows best when it will take us again
    }
    String line = error == null ? "unknown error" : error.replaceAll("\\s+", " ").strip();
    backoffs.put(d.key(), new Backoff(failures, next, line, d.hosts()));
    count(result);
    log.warn("certificate order for Secret {} ({}) failed (attempt {}), retrying at {}: {}",
        d.key(), d.hosts(), failures, next, line);
    refresh.run();
    return next;
  }

  private void count(String result) {
    metrics.counter(ORDERS, "result", result).increment();
  }

  private void recordExpiry(List<String> hosts, Instant notAfter) {
    for (String h : hosts) {
      expiry.computeIfAbsent(h, host -> {
        AtomicLong v = new AtomicLong();
        Gauge.builder(EXPIRY, v, AtomicLong::get).tag("host", host).baseUnit("seconds")
            .description("When the certificate served for this host expires").register(metrics);
        return v;
      }).set(notAfter.getEpochSecond());
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

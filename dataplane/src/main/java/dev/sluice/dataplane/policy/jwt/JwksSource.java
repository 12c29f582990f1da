package dev.sluice.dataplane.policy.jwt;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JWKS URL's key set: fetched with the JDK's asynchronous HTTP client (never on an event
 * loop), kept for the response's {@code Cache-Control: max-age} (clamped to {@link #MIN_TTL}..
 * {@link #MAX_TTL}; {@link #DEFAULT_TTL} without one) and refreshed in the background before it
 * ages out. A failed fetch keeps the last good keys and is retried with a growing delay.
 *
 * <p>A token naming a {@code kid} the set does not have may trigger one refetch, at most one per
 * {@link #MIN_REFETCH_INTERVAL} (an attacker sending random kids must not turn Sluice into a
 * load generator against the identity provider).
 *
 * <p>A source that no request used for {@link #IDLE_STOP} stops refreshing (its route is probably
 * gone); the next request starts a fetch again and waits for it.
 *
 * <p>Thread safety: any thread; state is volatile or compare-and-set.
 */
public final class JwksSource {
  private static final Logger log = LoggerFactory.getLogger(JwksSource.class);
  static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
  static final Duration MIN_TTL = Duration.ofSeconds(30);
  static final Duration MAX_TTL = Duration.ofHours(24);
  static final Duration MIN_REFETCH_INTERVAL = Duration.ofSeconds(30);
  static final Duration FIRST_RETRY = Duration.ofSeconds(5);
  static final Duration MAX_RETRY = Duration.ofMinutes(5);
  static final Duration IDLE_STOP = Duration.ofHours(1);
  static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_BODY = 1 << 20;
  private static final long USE_MARK_NANOS = 1_000_000_000L;
  private static final Pattern MAX_AGE = Pattern.compile("(?i)(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d+)");

  private final URI uri;
  private final HttpClient client;
  private final ScheduledExecutorService timer;
  private volatile JwtKeys keys; // null until the first good fetch
  private volatile CompletableFuture<JwtKeys> inFlight; // null when no fetch runs
  private volatile long lastFetchStart = Long.MIN_VALUE / 2;
  private volatile long lastUsed = System.nanoTime();
  private volatile boolean refreshing; // a background refresh is scheduled
  private Duration retryDelay = FIRST_RETRY; // touched only by the fetch completion, serially
  // the last failed fetch, while no good one followed: load() answers with it until the retry
  private volatile Throwable lastFailure;
  private volatile long lastFailureNanos;
  private volatile long retryDelayNanos;

  private final long minRefetchNanos;
  private final Duration fetchTimeout;

  JwksSource(URI uri, HttpClient client, ScheduledExecutorService timer) {
    this(uri, client, timer, MIN_REFETCH_INTERVAL);
  }

  /** With another minimum interval between kid-triggered refetches (tests). */
  JwksSource(URI uri, HttpClient client, ScheduledExecutorService timer, Duration minRefetch) {
    this(uri, client, timer, minRefetch, FETCH_TIMEOUT);
  }

  /** With another fetch timeout too (tests). */
  JwksSource(
      URI uri,
      HttpClient client,
      ScheduledExecutorService timer,
      Duration minRefetch,
      Duration fetchTimeout) {
    this.fetchTimeout = fetchTimeout;
    this.minRefetchNanos = minRefetch.toNanos();
    this.uri = uri;
    this.client = client;
    this.timer = timer;
  }

  public URI uri() {
    return uri;
  }

  /** The current keys, or {@code null} when none was fetched yet (or the source went idle). */
  public JwtKeys keys() {
    long now = System.nanoTime();
    if (now - lastUsed > USE_MARK_NANOS) {
      lastUsed = now; // not on every request: all event loops would write one shared cache line
    }
    return keys;
  }

  /** The keys when loaded, else the running (or a new) fetch. Completes exceptionally on failure. */
  public CompletableFuture<JwtKeys> load() {
    JwtKeys k = keys();
    if (k != null) {
      return CompletableFuture.completedFuture(k);
    }
    Throwable failed = lastFailure;
    if (failed != null && inFlight == null && System.nanoTime() - lastFailureNanos < retryDelayNanos) {
      // the key set URL is failing: requests do not each start a fetch (the background retry,
      // with its growing delay, does); they get the last failure until then
      return CompletableFuture.failedFuture(failed);
    }
    return fetch();
  }

  /**
   * A refetch because a token named an unknown kid, or {@code null} when one ran too recently.
   */
  public CompletableFuture<JwtKeys> refetchForUnknownKid() {
    CompletableFuture<JwtKeys> running = inFlight;
    if (running != null) {
      return running;
    }
    if (System.nanoTime() - lastFetchStart < minRefetchNanos) {
      return null;
    }
    return fetch();
  }

  /** Starts a fetch unless one runs; returns the running one. */
  synchronized CompletableFuture<JwtKeys> fetch() {
    CompletableFuture<JwtKeys> running = inFlight;
    if (running != null) {
      return running;
    }
    lastFetchStart = System.nanoTime();
    HttpRequest req =
        HttpRequest.newBuilder(uri)
            .timeout(fetchTimeout)
            .header("Accept", "application/jwk-set+json, application/json")
            .GET()
            .build();
    CompletableFuture<JwtKeys> f =
        client
            .sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
            .thenApply(this::parse)
            // the request timeout stops at the response head: a body that never comes must not
            // hold the fetch (and every request waiting on it) for ever
            .orTimeout(2 * fetchTimeout.toMillis(), TimeUnit.MILLISECONDS);
    inFlight = f;
    f.whenComplete(this::fetched);
    return f;
  }

  private JwtKeys parse(HttpResponse<byte[]> resp) {
    if (resp.statusCode() != 200) {
      throw new IllegalStateException("JWKS " + uri + " answered " + resp.statusCode());
    }
    if (resp.body().length > MAX_BODY) {
      throw new IllegalStateException("JWKS " + uri + " is larger than " + MAX_BODY + " bytes");
    }
    JwtKeys parsed;
    try {
      parsed = JwtKeys.parse(new String(resp.body(), StandardCharsets.UTF_8));
    } catch (java.text.ParseException e) {
      throw new IllegalStateException("JWKS " + uri + " is not a JWK set: " + e.getMessage(), e);
    }
    if (parsed.size() == 0) {
      throw new IllegalStateException("JWKS " + uri + " holds no usable signature key");
    }
    keys = parsed;
    ttl = ttl(resp.headers().firstValue("cache-control").orElse(null));
    return parsed;
  }

  private volatile Duration ttl = DEFAULT_TTL;

  private void fetched(JwtKeys k, Throwable failure) {
    Duration next;
    synchronized (this) {
      inFlight = null;
      if (failure == null) {
        retryDelay = FIRST_RETRY;
        lastFailure = null;
        next = ttl;
      } else {
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        lastFailure = cause;
        lastFailureNanos = System.nanoTime();
        retryDelayNanos = retryDelay.toNanos();
        log.warn("JWKS fetch failed ({} keys kept): {}", keys == null ? "no" : "the last", cause.toString());
        next = retryDelay;
        retryDelay = retryDelay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retryDelay.multipliedBy(2);
      }
      if (refreshing) {
        return; // one background chain only; it reschedules itself
      }
      refreshing = true;
    }
    schedule(next);
  }

  private void schedule(Duration delay) {
    try {
      timer.schedule(this::refresh, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      refreshing = false; // shutting down
    }
  }

  private void refresh() {
    if (System.nanoTime() - lastUsed > IDLE_STOP.toNanos()) {
      synchronized (this) {
        refreshing = false;
        keys = null; // stale keys are not served after an idle hour: the next request refetches
      }
      return;
    }
    fetch().whenComplete((k, e) -> schedule(e == null ? ttl : retryDelay));
  }

  /** The key set's lifetime from {@code Cache-Control}, clamped; the default without max-age. */
  static Duration ttl(String cacheControl) {
    if (cacheControl == null) {
      return DEFAULT_TTL;
    }
    Matcher m = MAX_AGE.matcher(cacheControl);
    if (!m.find()) {
      return DEFAULT_TTL;
    }
    long s;
    try {
      s = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      return MAX_TTL;
    }
    Duration d = Duration.ofSeconds(s);
    return d.compareTo(MIN_TTL) < 0 ? MIN_TTL : d.compareTo(MAX_TTL) > 0 ? MAX_TTL : d;
  }
}

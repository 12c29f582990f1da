package dev.sluice.dataplane.proxy;

import dev.sluice.dataplane.h2.H2Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs proxy errors. Counters are registered once at start, so counting on the request
 * path is one lookup in an enum map and an atomic add.
 *
 * <p>Every error is counted, but the log is rate limited per kind ({@link #LOG_LINES_PER_WINDOW}
 * lines per {@link #LOG_WINDOW}), so a client that sends hostile requests in a loop (or thousands
 * of slow connections timing out together) cannot flood it; the first line of a later window says
 * how many similar lines were suppressed.
 *
 * <p>Thread safety: immutable after construction; Micrometer counters are thread-safe.
 */
public final class ProxyErrors {
  /** Micrometer name; Prometheus exposes it as {@code sluice_proxy_errors_total{kind=...}}. */
  public static final String METRIC = "sluice.proxy.errors";

  private static final Logger log = LoggerFactory.getLogger(ProxyErrors.class);
  /** Log lines per error kind per {@link #LOG_WINDOW}; more are counted, not logged. */
  public static final int LOG_LINES_PER_WINDOW = 10;

  public static final Duration LOG_WINDOW = Duration.ofSeconds(10);

  private final Map<ErrorKind, Counter> counters = new EnumMap<>(ErrorKind.class);
  private final Map<ErrorKind, LogRateLimiter> logLimits = new EnumMap<>(ErrorKind.class);
  private final H2Metrics h2;
  private final IdleCloses idleCloses;

  public ProxyErrors(MeterRegistry registry) {
    this(registry, LOG_LINES_PER_WINDOW, LOG_WINDOW, System::nanoTime);
  }

  ProxyErrors(MeterRegistry registry, int logLines, Duration logWindow, LongSupplier nanoClock) {
    this.h2 = new H2Metrics(registry);
    this.idleCloses = new IdleCloses(registry);
    for (ErrorKind kind : ErrorKind.values()) {
      logLimits.put(kind, new LogRateLimiter(logLines, logWindow, nanoClock));
      counters.put(
          kind,
          Counter.builder(METRIC)
              .description("Requests Sluice answered itself or cut short, by cause")
              .tag("kind", kind.tag())
              .register(registry));
    }
  }

  /**
   * The HTTP/2 protocol-level counters (GOAWAY / RST_STREAM sent by error code), registered in the
   * same registry; here so every listener that has a {@code ProxyConfig} reaches them.
   */
  public H2Metrics h2() {
    return h2;
  }

  /** Client connections closed by an idle timeout (not errors; counted beside them). */
  public IdleCloses idleCloses() {
    return idleCloses;
  }

  /** Counts one occurrence without logging (e.g. a failed first attempt that is retried). */
  public void count(ErrorKind kind) {
    counters.get(kind).increment();
  }

  /**
   * Logs the final outcome of one request (once per request). Expected network errors are logged
   * by message only: their stack traces say nothing an operator can act on.
   */
  public void log(ErrorKind kind, String request, String upstream, Throwable cause) {
    if (kind == ErrorKind.CLIENT_CLOSED) {
      if (log.isDebugEnabled()) {
        log.debug("{}: client closed the connection (upstream {})", request, upstream);
      }
      return;
    }
    if (!log.isWarnEnabled()) {
      return;
    }
    long suppressed = logLimits.get(kind).tryAcquire();
    if (suppressed == LogRateLimiter.SUPPRESS) {
      return;
    }
    if (suppressed > 0) {
      log.warn("suppressed {} similar {} lines (log rate limit)", suppressed, kind.tag());
    }
    String status = kind.status() != null ? String.valueOf(kind.status().code()) : "closed";
    String reason = cause == null ? "" : ": " + describe(cause);
    if (cause != null && !(cause instanceof IOException) && !isNetty(cause)) {
      log.warn("{} -> {} {} upstream={}{}", request, status, kind.tag(), upstream, reason, cause);
    } else {
      log.warn("{} -> {} {} upstream={}{}", request, status, kind.tag(), upstream, reason);
    }
  }

  /** Log lines of {@code kind} suppressed and not yet reported (for tests). */
  long suppressedLogLines(ErrorKind kind) {
    return logLimits.get(kind).pending();
  }

  private static boolean isNetty(Throwable cause) {
    return cause.getClass().getName().startsWith("io.netty.") || cause instanceof RequestRejection;
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    String text = cause.getClass().getSimpleName() + (message == null ? "" : " " + message);
    // TLS providers wrap the reason ("General OpenSslEngine problem" around "No subject
    // alternative DNS name matching ..."): name the innermost cause, which is what to act on
    Throwable root = cause;
    for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 10; depth++) {
      root = root.getCause();
    }
    if (root != cause && root.getMessage() != null && !root.getMessage().equals(message)) {
      text += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
    return text;
  }
}

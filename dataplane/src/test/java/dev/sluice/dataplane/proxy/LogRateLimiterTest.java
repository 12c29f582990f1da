package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-kind log rate limit of {@link ProxyErrors}, on a hand-driven clock. */
class LogRateLimiterTest {
  private final AtomicLong clock = new AtomicLong(1_000);

  @Test
  void letsLinesThroughUpToTheLimitThenReportsTheSuppressedOnesInTheNextWindow() {
    LogRateLimiter limiter = new LogRateLimiter(3, Duration.ofSeconds(10), clock::get);
    assertThat(limiter.tryAcquire()).isZero();
    assertThat(limiter.tryAcquire()).isZero();
    assertThat(limiter.tryAcquire()).isZero();
    for (int i = 0; i < 5_000; i++) {
      assertThat(limiter.tryAcquire()).isEqualTo(LogRateLimiter.SUPPRESS);
    }
    assertThat(limiter.pending()).isEqualTo(5_000);

    clock.addAndGet(Duration.ofSeconds(9).toNanos()); // still the same window
    assertThat(limiter.tryAcquire()).isEqualTo(LogRateLimiter.SUPPRESS);

    clock.addAndGet(Duration.ofSeconds(1).toNanos()); // a new window: one report, then lines again
    assertThat(limiter.tryAcquire()).isEqualTo(5_001);
    assertThat(limiter.pending()).isZero();
    assertThat(limiter.tryAcquire()).isZero();
    assertThat(limiter.tryAcquire()).isZero();
    assertThat(limiter.tryAcquire()).isEqualTo(LogRateLimiter.SUPPRESS);

    clock.addAndGet(Duration.ofSeconds(30).toNanos());
    assertThat(limiter.tryAcquire()).as("reports the one line of the last window").isEqualTo(1);
    clock.addAndGet(Duration.ofSeconds(30).toNanos());
    assertThat(limiter.tryAcquire()).as("nothing suppressed since").isZero();
  }

  @Test
  void refusesAPointlessLimit() {
    assertThatThrownBy(() -> new LogRateLimiter(0, Duration.ofSeconds(1), clock::get))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LogRateLimiter(1, Duration.ZERO, clock::get))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void proxyErrorsCountsEveryErrorButLogsAtMostTheLimitPerKind() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ProxyErrors errors = new ProxyErrors(registry, 10, Duration.ofSeconds(10), clock::get);
    for (int i = 0; i < 5_000; i++) {
      errors.count(ErrorKind.REQUEST_HEADER_TIMEOUT);
      errors.log(ErrorKind.REQUEST_HEADER_TIMEOUT, "GET /", "-", null);
    }
    errors.count(ErrorKind.BAD_REQUEST);
    errors.log(ErrorKind.BAD_REQUEST, "GET /", "-", null);

    assertThat(counter(registry, "request_header_timeout")).isEqualTo(5_000);
    assertThat(errors.suppressedLogLines(ErrorKind.REQUEST_HEADER_TIMEOUT)).isEqualTo(4_990);
    assertThat(errors.suppressedLogLines(ErrorKind.BAD_REQUEST))
        .as("each kind has its own budget")
        .isZero();

    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    errors.log(ErrorKind.REQUEST_HEADER_TIMEOUT, "GET /", "-", null);
    assertThat(errors.suppressedLogLines(ErrorKind.REQUEST_HEADER_TIMEOUT))
        .as("reported by the first line of the next window")
        .isZero();
  }

  private static double counter(SimpleMeterRegistry registry, String kind) {
    return registry.get(ProxyErrors.METRIC).tag("kind", kind).counter().count();
  }
}

package dev.sluice.dataplane.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.noop.NoopCounter;
import io.micrometer.core.instrument.noop.NoopTimer;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Per-request meters of the proxy, tagged by route, method class and status class only:
 *
 * <ul>
 *   <li>{@value #REQUESTS} ({@code sluice_requests_total{route,method,status_class}});
 *   <li>{@value #DURATION} ({@code sluice_request_duration_seconds}, a histogram): from the request
 *       head's arrival to the last response byte handed to the client connection;
 *   <li>{@value #UPSTREAM_DURATION} ({@code sluice_upstream_request_duration_seconds{route}}): from
 *       the request head going to the upstream connection (of the last attempt) to the end of the
 *       exchange.
 * </ul>
 *
 * <p><b>Cardinality.</b> {@code route} is {@code HttpRoute.name()}, bounded by configuration
 * ({@value #NO_ROUTE} for requests no route matched); {@code method} is one of {@link #METHODS};
 * {@code status_class} one of {@link #STATUS_CLASSES} ({@code none}: the client left before any
 * response). No path, host or client address ever becomes a label. Meters of routes that were
 * removed from the configuration stay registered until restart (their counts stay valid).
 *
 * <p><b>Hot path.</b> The meters of a route live in one {@link RouteMeters}, found with a single
 * {@link ConcurrentHashMap#get} keyed by the route's name (the snapshot's own String, whose hash is
 * cached: no hashing, no key object built). Inside it the (method class, status class) cell is an
 * index into an {@link AtomicReferenceArray}; a cell's counter and timer are registered on first use
 * and then read with one volatile load. Recording is a striped-adder increment and a fixed-bucket
 * histogram update: nothing allocates per request. A per-route structure attached to the compiled
 * route would save the map lookup, but the routing records are shared with other work in progress
 * and the lookup costs tens of nanoseconds; the lazy map also registers only the combinations that
 * really occur instead of 48 series per route up front.
 *
 * <p><b>Buckets.</b> The duration histograms use a fixed set of {@link #BUCKETS} (5 ms .. 10 s, the
 * Prometheus client defaults) rather than Micrometer's percentile histogram: the latter publishes
 * about 70 buckets per series, which multiplied by route x method x status class is more series
 * than an ingress should cost a Prometheus server. {@code histogram_quantile} works on either.
 *
 * <p>Thread safety: any event loop may record; registration races are benign (Micrometer returns
 * the already registered meter for an equal id).
 */
public final class RequestMetrics {
  public static final String REQUESTS = "sluice.requests";
  public static final String DURATION = "sluice.request.duration";
  public static final String UPSTREAM_DURATION = "sluice.upstream.request.duration";

  /** The {@code route} tag of requests that matched no route. */
  public static final String NO_ROUTE = "-";

  /** Values of the {@code method} tag, indexed by {@link #methodClass}. */
  public static final java.util.List<String> METHODS =
      java.util.List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other");

  /** Values of the {@code status_class} tag, indexed by {@link #statusClass}. */
  public static final java.util.List<String> STATUS_CLASSES =
      java.util.List.of("1xx", "2xx", "3xx", "4xx", "5xx", "none");

  /** Histogram bucket bounds of both duration timers. */
  public static final java.util.List<Duration> BUCKETS =
      java.util.List.of(
          Duration.ofMillis(5),
          Duration.ofMillis(10),
          Duration.ofMillis(25),
          Duration.ofMillis(50),
          Duration.ofMillis(100),
          Duration.ofMillis(250),
          Duration.ofMillis(500),
          Duration.ofSeconds(1),
          Duration.ofMillis(2500),
          Duration.ofSeconds(5),
          Duration.ofSeconds(10));

  private static final int OTHER_METHOD = 7;
  private static final int NO_STATUS = 5;
  private static final int CELLS = METHODS.size() * STATUS_CLASSES.size();

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, RouteMeters> routes = new ConcurrentHashMap<>();

  public RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Meters that record nothing (tests and callers without a registry). */
  public static RequestMetrics noop() {
    return new RequestMetrics(null);
  }

  /** The meters of route {@code name}; {@code null} means no route matched. */
  public RouteMeters route(String name) {
    String key = name == null ? NO_ROUTE : name;
    RouteMeters m = routes.get(key);
    return m != null ? m : routes.computeIfAbsent(key, k -> new RouteMeters(registry, k));
  }

  /** Index of {@code method} in {@link #METHODS}; unknown and extension methods are "other". */
  public static int methodClass(HttpMethod method) {
    // Netty's decoder hands out its constants for the standard methods: compare by reference first
    if (method == HttpMethod.GET) {
      return 0;
    } else if (method == HttpMethod.HEAD) {
      return 1;
    } else if (method == HttpMethod.POST) {
      return 2;
    } else if (method == HttpMethod.PUT) {
      return 3;
    } else if (method == HttpMethod.DELETE) {
      return 4;
    } else if (method == HttpMethod.PATCH) {
      return 5;
    } else if (method == HttpMethod.OPTIONS) {
      return 6;
    }
    int i = method == null ? -1 : METHODS.indexOf(method.name());
    return i < 0 ? OTHER_METHOD : i;
  }

  /** Index of the status {@code code} in {@link #STATUS_CLASSES}; 0 or out of range is "none". */
  public static int statusClass(int code) {
    return code >= 100 && code < 600 ? code / 100 - 1 : NO_STATUS;
  }

  /** The meters of one route. Thread safety: any thread. */
  public static final class RouteMeters {
    private final MeterRegistry registry;
    private final String route;
    private final AtomicReferenceArray<Cell> cells = new AtomicReferenceArray<>(CELLS);
    // registered on first use: requests that matched no route never reach an upstream
    private volatile Timer upstream;

    RouteMeters(MeterRegistry registry, String route) {
      this.registry = registry;
      this.route = route;
    }

    /**
     * Counts one finished request.
     *
     * @param methodClass from {@link RequestMetrics#methodClass}
     * @param status the status answered downstream, 0 when none was
     * @param nanos from the request head's arrival to the end of the response
     */
    public void record(int methodClass, int status, long nanos) {
      int index = methodClass * STATUS_CLASSES.size() + statusClass(status);
      Cell cell = cells.get(index);
      if (cell == null) {
        cell = register(methodClass, statusClass(status));
        cells.set(index, cell);
      }
      cell.requests.increment();
      cell.duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Records the upstream part of one request. */
    public void recordUpstream(long nanos) {
      Timer t = upstream;
      if (t == null) {
        t =
            registry == null
                ? new NoopTimer(null)
                : histogram(
                        Timer.builder(UPSTREAM_DURATION)
                            .description(
                                "Time from the request reaching an upstream connection to the end"
                                    + " of the exchange")
                            .tag("route", route))
                    .register(registry);
        upstream = t;
      }
      t.record(nanos, TimeUnit.NANOSECONDS);
    }

    private Cell register(int methodClass, int statusClass) {
      if (registry == null) {
        return new Cell(new NoopCounter(null), new NoopTimer(null));
      }
      String method = METHODS.get(methodClass);
      String status = STATUS_CLASSES.get(statusClass);
      Counter requests =
          Counter.builder(REQUESTS)
              .description("Requests answered, by route, method class and status class")
              .tag("route", route)
              .tag("method", method)
              .tag("status_class", status)
              .register(registry);
      Timer duration =
          histogram(
                  Timer.builder(DURATION)
                      .description("Time from the request head's arrival to the end of the response")
                      .tag("route", route)
                      .tag("method", method)
                      .tag("status_class", status))
              .register(registry);
      return new Cell(requests, duration);
    }
  }

  private static Timer.Builder histogram(Timer.Builder b) {
    return b.serviceLevelObjectives(BUCKETS.toArray(Duration[]::new))
        .minimumExpectedValue(BUCKETS.get(0))
        .maximumExpectedValue(BUCKETS.get(BUCKETS.size() - 1));
  }

  private record Cell(Counter requests, Timer duration) {}
}

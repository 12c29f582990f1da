package dev.sluice.dataplane.passthrough;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counters of passthrough traffic, per route: {@code sluice_passthrough_connections_total{route}},
 * {@code sluice_passthrough_bytes_total{route,direction=upstream|downstream}} ({@code upstream} is
 * client to backend), {@code sluice_passthrough_connect_errors_total{route}} (one per failed
 * connect attempt) and {@code sluice_passthrough_idle_closed_total{route}} (closed by the route's
 * idle timeout) and {@code sluice_passthrough_spliced_total{route}} (connections relayed with
 * {@code splice(2)} rather than copied).
 *
 * <p>Thread safety: any event loop; the per-route counter sets are created once and cached in a
 * concurrent map, so a connection costs one map lookup.
 */
public final class PassthroughMetrics {
  private final MeterRegistry registry;
  private final Map<String, RouteCounters> byRoute = new ConcurrentHashMap<>();

  public PassthroughMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** The counters of one route, created on first use. */
  public RouteCounters route(String routeName) {
    return byRoute.computeIfAbsent(routeName, this::create);
  }

  private RouteCounters create(String route) {
    return new RouteCounters(
        Counter.builder("sluice_passthrough_connections_total").tag("route", route).register(registry),
        Counter.builder("sluice_passthrough_bytes_total")
            .tag("route", route)
            .tag("direction", "upstream")
            .register(registry),
        Counter.builder("sluice_passthrough_bytes_total")
            .tag("route", route)
            .tag("direction", "downstream")
            .register(registry),
        Counter.builder("sluice_passthrough_connect_errors_total")
            .tag("route", route)
            .register(registry),
        Counter.builder("sluice_passthrough_idle_closed_total").tag("route", route).register(registry),
        Counter.builder("sluice_passthrough_spliced_total").tag("route", route).register(registry));
  }

  /**
   * @param connections passthrough connections accepted for the route
   * @param bytesUpstream bytes from the client to the backend (PROXY header not included)
   * @param bytesDownstream bytes from the backend to the client
   * @param connectErrors failed connect attempts (a retry that succeeds still counts its failure)
   * @param idleClosed connections closed by the route's idle timeout
   * @param spliced connections whose bytes were spliced (zero copy) rather than copied
   */
  public record RouteCounters(
      Counter connections,
      Counter bytesUpstream,
      Counter bytesDownstream,
      Counter connectErrors,
      Counter idleClosed,
      Counter spliced) {}
}

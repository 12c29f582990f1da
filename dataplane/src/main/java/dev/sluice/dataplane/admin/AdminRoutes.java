package dev.sluice.dataplane.admin;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.snapshot.Snapshot;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What each admin path answers. The snapshot's JSON and certificate expiries are computed once per
 * snapshot ({@link SnapshotView}) and reused until another snapshot is published; metrics and the
 * page's live numbers are read per request.
 *
 * <p>Thread safety: the admin event loop only (the view cache is a plain field).
 */
final class AdminRoutes {
  static final String TEXT = "text/plain; charset=utf-8";
  static final String JSON = "application/json";
  static final String HTML = "text/html; charset=utf-8";
  private static final Set<String> PATHS = Set.of("/", "/healthz", "/readyz", "/snapshot", "/metrics");
  /** The page is self-contained: no script runs, nothing is loaded from elsewhere. */
  private static final String PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

  private final SnapshotHolder snapshots;
  private final PrometheusMeterRegistry registry;
  private final ExpositionFormats formats = ExpositionFormats.init();
  private final Clock clock = Clock.systemUTC();
  private SnapshotView view;

  AdminRoutes(SnapshotHolder snapshots, PrometheusMeterRegistry registry) {
    this.snapshots = snapshots;
    this.registry = registry;
  }

  boolean exists(String path) {
    return PATHS.contains(path);
  }

  Reply serve(String path, String accept) throws IOException {
    return switch (path) {
      case "/healthz" -> Reply.text(HttpResponseStatus.OK, "ok\n");
      case "/readyz" ->
          snapshots.hasPublished()
              ? Reply.text(HttpResponseStatus.OK, "ready\n")
              : Reply.text(
                  HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: no snapshot published yet\n");
      case "/snapshot" -> new Reply(HttpResponseStatus.OK, JSON, view().json(), Map.of());
      case "/metrics" -> metrics(accept);
      case "/" ->
          new Reply(
              HttpResponseStatus.OK,
              HTML,
              Dashboard.render(view(), snapshots, registry, clock.instant())
                  .getBytes(StandardCharsets.UTF_8),
              Map.of("content-security-policy", PAGE_POLICY));
      default -> throw new IllegalArgumentException("no such admin path: " + path);
    };
  }

  /**
   * The format the Prometheus client's negotiation picks for {@code accept} (Prometheus text
   * 0.0.4 by default, OpenMetrics or protobuf when asked for), written by Micrometer's registry
   * with the same negotiation.
   */
  private Reply metrics(String accept) throws IOException {
    String contentType = formats.findWriter(accept).getContentType();
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
    registry.scrape(out, accept);
    return new Reply(HttpResponseStatus.OK, contentType, out.toByteArray(), Map.of());
  }

  private SnapshotView view() {
    Snapshot current = snapshots.current().snapshot();
    if (view == null || view.snapshot() != current) {
      view = SnapshotView.of(current);
    }
    return view;
  }

  /** One answer: status, content type, body and extra headers. */
  record Reply(
      HttpResponseStatus status, String contentType, byte[] body, Map<String, String> headers) {
    static Reply text(HttpResponseStatus status, String text) {
      return new Reply(status, TEXT, text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    Reply withHeader(CharSequence name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name.toString(), value);
      return new Reply(status, contentType, body, h);
    }
  }
}

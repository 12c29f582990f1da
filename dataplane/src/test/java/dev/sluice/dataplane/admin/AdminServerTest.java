package dev.sluice.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.testing.PrometheusText;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestSnapshots;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin listener over real sockets, next to a real proxy and backend sharing one registry. */
class AdminServerTest {
  static final ServerSettings SETTINGS =
      ServerSettings.builder()
          .bindAddress("127.0.0.1")
          .ioThreads(2)
          .httpPort(0)
          .httpsPort(0)
          .adminPort(0)
          .build();
  /** The name TestSnapshots gives the route {@code prefix("app.test", "/")}. */
  static final String ROUTE = "app.test#prefix:/";

  static TestBackend backend;
  static SnapshotHolder holder;
  static PrometheusMeterRegistry registry;
  static SluiceServer server;
  static AdminServer admin;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    backend = TestBackend.start("admin");
    holder = new SnapshotHolder();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    server = SluiceServer.start(SETTINGS, holder, registry);
    admin = AdminServer.start(SETTINGS, holder, registry);
    holder.publish(appSnapshot());
  }

  @AfterAll
  static void stop() {
    admin.close();
    server.close(Duration.ofSeconds(2));
    backend.close();
  }

  static Snapshot appSnapshot() {
    return TestSnapshots.builder().prefix("app.test", "/", backend.endpoint()).build();
  }

  static HttpResponse<String> get(AdminServer a, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port() + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static PrometheusText scrape() throws Exception {
    HttpResponse<String> r = get(admin, "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    return PrometheusText.parse(r.body());
  }

  static double requests(PrometheusText p, String route, String method, String statusClass) {
    return p.sum(
        "sluice_requests_total",
        Map.of("route", route, "method", method, "status_class", statusClass));
  }

  @Test
  void healthzAnswersOkWhileTheProcessRuns() throws Exception {
    HttpResponse<String> r = get(admin, "/healthz");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok\n");
    assertThat(r.headers().firstValue("cache-control")).hasValue("no-store");
  }

  @Test
  void readyzIsUnavailableUntilTheFirstSnapshotIsPublished() throws Exception {
    SnapshotHolder fresh = new SnapshotHolder();
    try (AdminServer a =
        AdminServer.start(SETTINGS, fresh, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
      HttpResponse<String> before = get(a, "/readyz");
      assertThat(before.statusCode()).isEqualTo(503);
      assertThat(before.body()).contains("no snapshot published yet");
      fresh.publish(Snapshot.empty()); // an empty configuration is complete too
      HttpResponse<String> after = get(a, "/readyz");
      assertThat(after.statusCode()).isEqualTo(200);
      assertThat(after.body()).isEqualTo("ready\n");
    }
  }

  @Test
  void unknownPathsAre404OtherMethods405AndHeadHasNoBody() throws Exception {
    assertThat(get(admin, "/nope").statusCode()).isEqualTo(404);
    assertThat(get(admin, "/healthz/x").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + "/snapshot"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    HttpResponse<String> head =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.port() + "/healthz"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("content-length")).hasValue("3");
    assertThat(head.body()).isEmpty();
    // the query string is not part of the path
    assertThat(get(admin, "/healthz?verbose=1").statusCode()).isEqualTo(200);
  }

  @Test
  void requestCounterMovesByExactlyTheRequestsSentThroughTheProxy() throws Exception {
    holder.publish(appSnapshot());
    PrometheusText before = scrape();
    double ok = requests(before, ROUTE, "GET", "2xx");
    double notFound = requests(before, ROUTE, "GET", "4xx");
    double histogramCount =
        before.sum("sluice_request_duration_seconds_count", Map.of("route", ROUTE, "status_class", "2xx"));
    int n = 7;
    for (int i = 0; i < n; i++) {
      assertThat(RawHttp.get(server.httpPort(), "app.test", "/echo").status()).isEqualTo(200);
    }
    assertThat(RawHttp.get(server.httpPort(), "app.test", "/status?code=404").status()).isEqualTo(404);
    // the exchange records right after handing the last bytes to the socket: wait for it, exactly
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(requests(scrape(), ROUTE, "GET", "2xx")).isEqualTo(ok + n));
    PrometheusText after = scrape();
    assertThat(requests(after, ROUTE, "GET", "2xx")).isEqualTo(ok + n);
    assertThat(requests(after, ROUTE, "GET", "4xx")).isEqualTo(notFound + 1);
    assertThat(after.family("sluice_request_duration_seconds").type()).isEqualTo("histogram");
    assertThat(
            after.sum(
                "sluice_request_duration_seconds_count", Map.of("route", ROUTE, "status_class", "2xx")))
        .isEqualTo(histogramCount + n);
    assertThat(after.family("sluice_upstream_request_duration_seconds").type()).isEqualTo("histogram");
    assertThat(after.sum("sluice_upstream_request_duration_seconds_count", Map.of("route", ROUTE)))
        .isGreaterThanOrEqualTo(n + 1);
    assertThat(after.sum("sluice_downstream_received_bytes_total", Map.of()))
        .isGreaterThan(before.sum("sluice_downstream_received_bytes_total", Map.of()));
    assertThat(after.sum("sluice_downstream_sent_bytes_total", Map.of()))
        .isGreaterThan(before.sum("sluice_downstream_sent_bytes_total", Map.of()));
    assertThat(after.family("sluice_downstream_connections_active").type()).isEqualTo("gauge");
  }

  @Test
  void aRequestWithoutRouteMovesTheNoRouteErrorCounter() throws Exception {
    holder.publish(appSnapshot());
    PrometheusText before = scrape();
    double errors = before.sum("sluice_proxy_errors_total", Map.of("kind", "no_route"));
    double unrouted = requests(before, "-", "GET", "4xx");
    assertThat(RawHttp.get(server.httpPort(), "elsewhere.test", "/").status()).isEqualTo(404);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(scrape().sum("sluice_proxy_errors_total", Map.of("kind", "no_route")))
                    .isEqualTo(errors + 1));
    assertThat(requests(scrape(), "-", "GET", "4xx")).isEqualTo(unrouted + 1);
  }

  @Test
  void exposesJvmAllocatorAndSnapshotMeters() throws Exception {
    Snapshot s = appSnapshot();
    holder.publish(s);
    PrometheusText p = scrape();
    assertThat(p.family("jvm_memory_used_bytes").type()).isEqualTo("gauge");
    assertThat(p.family("jvm_threads_live_threads").type()).isEqualTo("gauge");
    assertThat(p.family("process_uptime_seconds").type()).isEqualTo("gauge");
    assertThat(p.families()).containsKey("jvm_classes_loaded_classes");
    assertThat(p.sum("netty_allocator_memory_used", Map.of("memory_type", "direct")))
        .isGreaterThanOrEqualTo(0);
    assertThat(p.family("netty_allocator_memory_used").samples()).isNotEmpty();
    assertThat(p.sum("sluice_snapshot_version", Map.of())).isEqualTo(s.version());
    assertThat(p.sum("sluice_snapshot_last_publish_time_seconds", Map.of()))
        .isGreaterThan(holder.lastPublishedAtMillis() / 1000.0 - 1);
    assertThat(p.sum("sluice_snapshot_publishes_total", Map.of())).isEqualTo(holder.publishCount());
  }

  @Test
  void metricsSpeakOpenMetricsWhenAskedFor() throws Exception {
    HttpResponse<String> r =
        get(admin, "/metrics", "Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElseThrow())
        .startsWith("application/openmetrics-text");
    assertThat(r.body()).endsWith("# EOF\n");
  }

  @Test
  void snapshotIsTheCurrentJsonAndNeverHoldsAPrivateKey() throws Exception {
    Snapshot s = withCertificateAndPassthrough();
    holder.publish(s);
    HttpResponse<String> r = get(admin, "/snapshot");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body())
        .isEqualTo(dev.sluice.dataplane.snapshot.SnapshotJson.render(s))
        .doesNotContain("PRIVATE KEY")
        .doesNotContain(resource("example-net.key").lines().skip(1).findFirst().orElseThrow());
    // cached per snapshot: the same bytes until the next publish, then the new version
    assertThat(get(admin, "/snapshot").body()).isEqualTo(r.body());
    Snapshot next = appSnapshot();
    holder.publish(next);
    assertThat(get(admin, "/snapshot").body()).contains("\"version\": " + next.version() + ",");
  }

  @Test
  void dashboardShowsRoutesPassthroughCertificatesAndErrors() throws Exception {
    Snapshot s = withCertificateAndPassthrough();
    holder.publish(s);
    HttpResponse<String> r = get(admin, "/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(r.headers().firstValue("content-security-policy").orElseThrow())
        .startsWith("default-src 'none'");
    String html = r.body();
    assertThat(html)
        .startsWith("<!DOCTYPE html>")
        .endsWith("</html>\n")
        .contains("Snapshot <b>v" + s.version() + "</b>")
        .contains("<td>app.test</td>")
        .contains("test/app.test#prefix:/") // backend group
        .contains("1 / 1")
        .contains("db.example.net")
        .contains("default/example-net")
        .contains(dev.sluice.dataplane.snapshot.SnapshotJson.notAfter(s.certificates().get(0)).toString())
        .contains("no_route")
        .doesNotContain("PRIVATE KEY")
        .doesNotContain("<script")
        .doesNotContain("http://")
        .doesNotContain("https://");
    for (String tag : List.of("html", "head", "body", "table", "tr", "td", "th", "h1", "h2", "p", "div")) {
      assertThat(count(html, "<" + tag + ">") + count(html, "<" + tag + " "))
          .as("<%s> opened as often as closed", tag)
          .isEqualTo(count(html, "</" + tag + ">"));
    }
  }

  private static Snapshot withCertificateAndPassthrough() throws IOException {
    Snapshot app = appSnapshot();
    Certificate cert =
        new Certificate(
            "default/example-net",
            List.of("example.net"),
            resource("example-net.crt"),
            resource("example-net.key"));
    PassthroughRoute db =
        new PassthroughRoute(
            "default/db",
            List.of("db.example.net"),
            new BackendGroup(
                "default/db:5432",
                List.of(backend.endpoint()),
                BackendGroup.LoadBalancing.ROUND_ROBIN,
                BackendGroup.UpstreamProtocol.HTTP),
            PassthroughRoute.ProxyProtocol.NONE,
            Duration.ofSeconds(5),
            PassthroughRoute.DEFAULT_IDLE_TIMEOUT);
    return new Snapshot(
        app.version(), app.builtAt(), app.virtualHosts(), List.of(db), List.of(cert));
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = AdminServerTest.class.getResourceAsStream("/snapshot/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}

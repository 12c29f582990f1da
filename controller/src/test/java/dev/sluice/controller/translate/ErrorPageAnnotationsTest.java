package dev.sluice.controller.translate;

import static dev.sluice.controller.translate.PolicyManifests.ingress;
import static dev.sluice.controller.translate.PolicyManifests.route;
import static dev.sluice.controller.translate.PolicyManifests.translate;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.ErrorPagePolicy;
import dev.sluice.dataplane.snapshot.SnapshotJson;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** custom-http-errors and default-backend: parsing, refused values, and real requests. */
class ErrorPageAnnotationsTest {

  /** A Service {@code name} with one port 80 (named http) to 127.0.0.1:{@code port}. */
  static String service(String name, int port, String appProtocol) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: %s, namespace: default}
        spec:
          ports: [{name: http, port: 80, targetPort: %d%s}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %s-1
          namespace: default
          labels: {kubernetes.io/service-name: %s}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: [127.0.0.1]}]
        """
        .formatted(name, port, appProtocol == null ? "" : ", appProtocol: " + appProtocol, name, name, port);
  }

  static Map<String, String> ann(String codes, String backend) {
    Map<String, String> m = new HashMap<>();
    if (codes != null) {
      m.put("sluice.dev/custom-http-errors", codes);
    }
    if (backend != null) {
      m.put("sluice.dev/default-backend", backend);
    }
    return m;
  }

  @Test
  void codesAndServiceResolve() {
    Translation t = translate(ingress(ann("503, 404,404", "errors"), 80, false, service("errors", 8081, null)), false);
    ErrorPagePolicy p = route(t).policy().errorPages();
    assertThat(p.codes()).containsExactly(404, 503);
    assertThat(p.backend().name()).isEqualTo("default/errors:80");
    assertThat(p.backend().endpoints()).hasSize(1);
    assertThat(p.namespace()).isEqualTo("default");
    assertThat(p.ingressName()).isEqualTo("app");
    assertThat(SnapshotJson.render(t.snapshot())).contains("\"errorPages\": {", "\"codes\": [404, 503]");
    assertThat(route(translate(ingress(ann("404", "errors:http"), 80, false, service("errors", 8081, null)), false))
        .policy().errorPages().backend().name()).isEqualTo("default/errors:80");
  }

  @Test
  void readFromIngressNginxNamesWhenOn() {
    Map<String, String> a = Map.of(
        "nginx.ingress.kubernetes.io/custom-http-errors", "404",
        "nginx.ingress.kubernetes.io/default-backend", "errors");
    Translation t = translate(ingress(a, 80, false, service("errors", 8081, null)), true);
    assertThat(route(t).policy().errorPages().codes()).containsExactly(404);
    assertThat(t.problems()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "custom-http-errors|404|'' |needs",
        "default-backend|''|errors|only",
        "custom-http-errors|302|errors|not an error status",
        "custom-http-errors|4o4|errors|not a status code",
        "custom-http-errors|' , '|errors|names no status code",
        "default-backend|404|other/errors|Service name",
        "default-backend|404|missing|not found",
        "default-backend|404|errors:9999|no port",
        "default-backend|404|tls-errors|plain HTTP",
      })
  void invalidValuesLeaveTheIngressOut(String named, String codes, String backend, String why) {
    Map<String, String> a = ann(codes.isBlank() && named.equals("default-backend") ? null : codes,
        backend.isBlank() ? null : backend);
    Translation t = translate(ingress(a, 80, false, service("errors", 8081, null),
        service("tls-errors", 8443, "https")), false);
    assertThat(PolicyManifests.routes(t.snapshot())).isEmpty();
    assertThat(t.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("sluice.dev/" + named, why, "not served"));
  }

  @Test
  void missingServiceIsBackendNotFound() {
    Translation t = translate(ingress(ann("404", "missing"), 80, false), false);
    assertThat(t.problems().get(0).reason()).isEqualTo(Reason.BackendNotFound);
  }

  @Test
  void translatedIngressServesTheErrorServicesPage() throws Exception {
    AtomicReference<String> askedCode = new AtomicReference<>();
    AtomicReference<String> askedService = new AtomicReference<>();
    HttpServer errors = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    errors.createContext("/", ex -> {
      askedCode.set(ex.getRequestHeaders().getFirst("X-Code"));
      askedService.set(ex.getRequestHeaders().getFirst("X-Service-Name") + ":"
          + ex.getRequestHeaders().getFirst("X-Service-Port"));
      byte[] b = "sorry".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    errors.start();
    try (TestBackend web = TestBackend.start("web");
        TestProxy proxy = TestProxy.start()) {
      Translation t = translate(ingress(ann("404", "errors"), web.endpoint().port(), false,
          service("errors", errors.getAddress().getPort(), null)), false);
      proxy.publish(t.snapshot());
      RawHttp.Response r = RawHttp.get(proxy.port(), "app.example.org", "/status?code=404");
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.bodyText()).isEqualTo("sorry");
      assertThat(askedCode.get()).isEqualTo("404");
      assertThat(askedService.get()).isEqualTo("web:80");
      assertThat(RawHttp.get(proxy.port(), "app.example.org", "/status?code=500").status()).isEqualTo(500);
    } finally {
      errors.stop(0);
    }
  }
}

package dev.sluice.controller.translate;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import java.io.IOException;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Manifests and requests for the request-policy tests: one Ingress {@code default/app} for {@code
 * app.example.org} with the given annotations and paths (each {@code "Type path"}, e.g. {@code
 * "Prefix /api"}), all to Service {@code web} whose one endpoint is a {@link TestBackend}.
 */
final class RequestPolicyManifests {
  static final String HOST = "app.example.org";

  private RequestPolicyManifests() {}

  static String ingress(Map<String, String> annotations, int port, String... paths) {
    StringBuilder y = new StringBuilder();
    y.append("apiVersion: networking.k8s.io/v1\nkind: Ingress\n")
        .append("metadata:\n  name: app\n  namespace: default\n");
    if (!annotations.isEmpty()) {
      y.append("  annotations:\n")
          .append(
              annotations.entrySet().stream()
                  .map(e -> "    " + e.getKey() + ": " + yamlString(e.getValue()))
                  .collect(Collectors.joining("\n")))
          .append('\n');
    }
    y.append("spec:\n  rules:\n  - host: app.example.org\n    http:\n      paths:\n");
    for (String p : paths.length == 0 ? new String[] {"Prefix /"} : paths) {
      String[] tp = p.split(" ", 2);
      y.append("      - {path: ")
          .append(yamlString(tp[1]))
          .append(", pathType: ")
          .append(tp[0])
          .append(", backend: {service: {name: web, port: {number: 80}}}}\n");
    }
    y.append(
        """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: default}
        spec:
          ports: [{name: http, port: 80, targetPort: %d}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: web-1
          namespace: default
          labels: {kubernetes.io/service-name: web}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: [127.0.0.1]}]
        """
            .formatted(port, port));
    return y.toString();
  }

  /** Translates with ingress-nginx's names on; the Ingress must be served without problems. */
  static Translation served(String yaml) {
    Translation t = PolicyManifests.translate(yaml, true);
    if (!t.problems().isEmpty() || PolicyManifests.routes(t.snapshot()).isEmpty()) {
      throw new AssertionError("not served: " + t.problems());
    }
    return t;
  }

  /** Translates {@code annotations} and publishes the snapshot into {@code proxy}. */
  static void publish(
      TestProxy proxy, TestBackend b, Map<String, String> annotations, String... paths) {
    proxy.publish(served(ingress(annotations, b.port(), paths)).snapshot());
  }

  /** {@code METHOD target} with {@code Host: app.example.org} and extra header lines. */
  static RawHttp.Response request(TestProxy proxy, String method, String target, String... headers)
      throws IOException {
    StringBuilder req =
        new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + HOST + "\r\n");
    for (String h : headers) {
      req.append(h).append("\r\n");
    }
    req.append("Connection: close\r\n\r\n");
    try (RawHttp c = RawHttp.connect(proxy.port())) {
      return c.send(req.toString()).read();
    }
  }

  static String yamlString(String v) {
    return "\""
        + v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r")
        + "\"";
  }
}

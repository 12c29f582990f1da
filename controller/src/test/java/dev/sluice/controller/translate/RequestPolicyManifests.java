package dev.sluice.controller.translate;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Manifests and requests for the request-policy tests: one Ingress {@code default/app} for {@code
 * app.example.org} with the given annotations and paths (each {@code "Type path"}, e.g. {@code
 * "Prefix /api"}), all to Service {@code web} whose one endpoint is a {@link TestBackend}.
 */
final class RequestPolicyManifests {
  static final String HOST = "app.example.org";

  private RequestPolicyManifests() {}

  static String ingress(Map<String, String> annotations, int port, String... paths) {
    return PolicyManifests.ingress(
        annotations, port, false, paths.length == 0 ? List.of("Prefix /") : List.of(paths));
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
}

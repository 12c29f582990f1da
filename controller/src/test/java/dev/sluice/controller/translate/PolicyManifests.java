package dev.sluice.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.standalone.ManifestParser;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.VirtualHost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Test manifests for the policy annotations: one Ingress {@code default/app} for {@code
 * app.example.org} (path {@code /}, Prefix) to Service {@code web} whose one endpoint is {@code
 * 127.0.0.1:port}, with the annotations given, optionally listing the host under {@code spec.tls}.
 * Extra YAML documents (Secrets the annotations name ...) can be appended.
 */
final class PolicyManifests {
  private PolicyManifests() {}

  /** The manifests; {@code annotations} as key -> value, quoted as YAML strings. */
  static String ingress(Map<String, String> annotations, int port, boolean tls, String... extra) {
    return ingress(annotations, port, tls, List.of("Prefix /"), extra);
  }

  /**
   * As {@link #ingress(Map, int, boolean, String...)} with the given paths, each {@code "Type
   * path"} (e.g. {@code "Prefix /api"}, {@code "ImplementationSpecific /v[0-9]+/(.*)"}).
   */
  static String ingress(
      Map<String, String> annotations, int port, boolean tls, List<String> paths, String... extra) {
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
    y.append("spec:\n");
    if (tls) {
      y.append("  tls: [{hosts: [app.example.org]}]\n");
    }
    y.append("  rules:\n  - host: app.example.org\n    http:\n      paths:\n");
    for (String p : paths) {
      String[] typeAndPath = p.split(" ", 2);
      y.append("      - {path: ")
          .append(yamlString(typeAndPath[1]))
          .append(", pathType: ")
          .append(typeAndPath[0])
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
    for (String e : extra) {
      y.append("---\n").append(e.stripTrailing()).append('\n');
    }
    return y.toString();
  }

  /** Translates {@code yaml} in standalone mode, reading ingress-nginx's annotations if {@code nginx}. */
  static Translation translate(String yaml, boolean nginx) {
    ManifestParser.Parsed parsed = new ManifestParser().parse("in.yaml", yaml, false);
    assertThat(parsed.errors()).isEmpty();
    return new SnapshotTranslator(
            TranslatorSettings.standalone("sluice").withNginxAnnotations(nginx))
        .translate(ClusterState.of(parsed.resources()), 1, Instant.EPOCH);
  }

  /** Every route of the snapshot. */
  static List<HttpRoute> routes(Snapshot s) {
    List<HttpRoute> out = new ArrayList<>();
    for (VirtualHost vh : s.virtualHosts()) {
      out.addAll(vh.routes());
    }
    return out;
  }

  /** The only route of the snapshot (the Ingress was served). */
  static HttpRoute route(Translation t) {
    List<HttpRoute> routes = routes(t.snapshot());
    assertThat(routes).as("routes; problems: %s", t.problems()).hasSize(1);
    return routes.get(0);
  }

  /** A YAML double-quoted scalar: backslash, quote and control characters escaped. */
  static String yamlString(String v) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : v.toCharArray()) {
      if (c == '\\' || c == '"') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}

package dev.sluice.controller.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.crd.TLSPassthroughRoute;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import org.junit.jupiter.api.Test;

class ManifestParserTest {
  private final ManifestParser parser = new ManifestParser();

  @Test
  void multiDocumentYamlBecomesTypedObjectsIncludingTheCustomResource() {
    var parsed =
        parser.parse(
            "m.yaml",
            """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: web}
            spec:
              rules:
              - host: a.example
            ---
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: web-1}
            addressType: IPv4
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: TLSPassthroughRoute
            metadata: {name: db}
            spec:
              hostnames: [db.example]
              backends: [{service: db, port: 5432}]
              proxyProtocol: V2
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w}
            ---
            replicas: 3
            """,
            false);
    assertThat(parsed.errors()).isEmpty();
    assertThat(parsed.resources())
        .hasExactlyElementsOfTypes(
            Ingress.class,
            Service.class,
            EndpointSlice.class,
            TLSPassthroughRoute.class,
            GenericKubernetesResource.class);
    TLSPassthroughRoute r = (TLSPassthroughRoute) parsed.resources().get(3);
    assertThat(r.getSpec().getBackends().get(0).getPort().getIntVal()).isEqualTo(5432);
  }

  @Test
  void syntaxErrorReportsLineAndColumn() {
    var parsed =
        parser.parse(
            "bad.yaml",
            """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
               labels: {a: b}
            """,
            false);
    assertThat(parsed.errors()).hasSize(1);
    assertThat(parsed.errors().get(0).line()).isEqualTo(5);
    assertThat(parsed.errors().get(0).toString()).startsWith("bad.yaml:5:");
  }

  @Test
  void documentThatDoesNotFitItsKindIsReportedAndOthersAreKept() {
    var parsed =
        parser.parse(
            "mixed.yaml",
            """
            apiVersion: v1
            kind: Service
            metadata: {name: ok}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: broken}
            spec:
              rules: "not a list"
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: also-ok}
            """,
            false);
    assertThat(parsed.resources()).hasSize(2);
    assertThat(parsed.errors()).hasSize(1);
    assertThat(parsed.errors().get(0).line()).isEqualTo(5);
    assertThat(parsed.errors().get(0).message()).startsWith("Ingress broken: ");
  }

  @Test
  void jsonAndListKindAreRead() {
    var parsed =
        parser.parse(
            "l.json",
            """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}},
              {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b"}}]}
            """,
            true);
    assertThat(parsed.errors()).isEmpty();
    assertThat(parsed.resources()).hasSize(2).allMatch(Service.class::isInstance);
  }
}

package dev.sluice.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.standalone.ManifestParser;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.UpstreamTls;
import dev.sluice.dataplane.snapshot.VirtualHost;
import dev.sluice.testing.H2cBackend;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Upstream TLS from annotations to bytes: manifests a user could write are translated (cluster and
 * standalone rules) and served by the real proxy to a real TLS backend on loopback.
 */
class UpstreamTlsTranslationTest {
  private static final TestCa CA = TestCa.create("cluster CA");

  /** An Ingress for {@code app.example.org} to Service {@code web} (one endpoint) and a CA Secret. */
  private static String manifests(String annotations, int port, String serviceExtra) {
    return """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: sluice}
        spec: {controller: sluice.dev/ingress-controller}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: app
          namespace: shop
          annotations: {%s}
        spec:
          ingressClassName: sluice
          rules:
          - host: app.example.org
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 443}}}}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: web-ca, namespace: shop}
        type: Opaque
        stringData:
          ca.crt: |
        %s
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          ports: [{name: https, port: 443, targetPort: %d%s}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: web-1
          namespace: shop
          labels: {kubernetes.io/service-name: web}
        addressType: IPv4
        ports: [{name: https, port: %d, protocol: TCP}]
        endpoints: [{addresses: [127.0.0.1]}]
        """
        .formatted(annotations, CA.pem().indent(4).stripTrailing(), port, serviceExtra, port);
  }

  private static Translation translate(String yaml, TranslatorSettings settings) {
    ManifestParser.Parsed parsed = new ManifestParser().parse("in.yaml", yaml, false);
    assertThat(parsed.errors()).isEmpty();
    return new SnapshotTranslator(settings)
        .translate(ClusterState.of(parsed.resources()), 1, Instant.EPOCH);
  }

  private static BackendGroup backend(Snapshot s) {
    for (VirtualHost vh : s.virtualHosts()) {
      for (HttpRoute r : vh.routes()) {
        return r.backend();
      }
    }
    throw new AssertionError("no route in " + s);
  }

  @Test
  void inClusterTheDefaultServerNameIsTheServiceDnsNameAndTheBackendSeesIt() throws Exception {
    try (TestBackend b = TestBackend.startTls("web", CA.issue("web.shop.svc"));
        TestProxy proxy = TestProxy.start()) {
      String yaml =
          manifests(
              "sluice.dev/backend-protocol: HTTPS, sluice.dev/proxy-ssl-secret: web-ca", b.port(), "");
      Translation t = translate(yaml, TranslatorSettings.cluster("sluice"));
      assertThat(t.problems()).isEmpty();
      assertThat(backend(t.snapshot()).tls().caPem()).contains("BEGIN CERTIFICATE");
      assertThat(backend(t.snapshot()).tls().serverName()).isEqualTo("web.shop.svc");
      proxy.publish(t.snapshot());
      RawHttp.Response r = RawHttp.get(proxy.port(), "app.example.org", "/echo");
      assertThat(r.status()).isEqualTo(200);
      assertThat(b.sniNames()).containsExactly("web.shop.svc");
    }
  }

  @Test
  void grpcsIsHttp2OverTlsWithTheSameVerificationAsHttps() throws Exception {
    try (H2cBackend b = H2cBackend.startTls(CA.issue("web.shop.svc"));
        TestProxy proxy = TestProxy.start()) {
      String yaml =
          manifests(
              "sluice.dev/backend-protocol: grpcs, sluice.dev/proxy-ssl-secret: web-ca", b.port(), "");
      Translation t = translate(yaml, TranslatorSettings.cluster("sluice"));
      assertThat(t.problems()).isEmpty();
      assertThat(backend(t.snapshot()).protocol()).isEqualTo(BackendGroup.UpstreamProtocol.H2);
      assertThat(backend(t.snapshot()).tls().serverName()).isEqualTo("web.shop.svc");
      proxy.publish(t.snapshot());
      RawHttp.Response r = RawHttp.get(proxy.port(), "app.example.org", "/helloworld.Greeter/x");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.bodyText()).isEqualTo("path=/helloworld.Greeter/x bytes=0 crc32=0");
      assertThat(b.streams()).isEqualTo(1);

      // the same backend named otherwise is refused by host name verification
      Translation other =
          translate(
              manifests(
                  "sluice.dev/backend-protocol: H2, sluice.dev/proxy-ssl-secret: web-ca,"
                      + " sluice.dev/proxy-ssl-name: api.internal",
                  b.port(),
                  ""),
              TranslatorSettings.cluster("sluice"));
      assertThat(backend(other.snapshot()).protocol()).isEqualTo(BackendGroup.UpstreamProtocol.H2);
      proxy.publish(other.snapshot());
      assertThat(RawHttp.get(proxy.port(), "app.example.org", "/x").status()).isEqualTo(502);
      assertThat(proxy.errors("upstream_tls")).isEqualTo(1);
      assertThat(b.streams()).isEqualTo(1);
    }
  }

  @Test
  void appProtocolHttpsAndProxySslNameVerifyAgainstTheSecretsCa() throws Exception {
    try (TestBackend b = TestBackend.startTls("web", CA.issue("api.internal"));
        TestProxy proxy = TestProxy.start()) {
      String yaml =
          manifests(
              "sluice.dev/proxy-ssl-secret: shop/web-ca, sluice.dev/proxy-ssl-name: api.internal",
              b.port(),
              ", appProtocol: https");
      Translation t = translate(yaml, TranslatorSettings.standalone("sluice"));
      assertThat(t.problems()).isEmpty();
      assertThat(backend(t.snapshot()).protocol()).isEqualTo(BackendGroup.UpstreamProtocol.HTTPS);
      proxy.publish(t.snapshot());
      assertThat(RawHttp.get(proxy.port(), "app.example.org", "/echo").status()).isEqualTo(200);
      assertThat(b.sniNames()).containsExactly("api.internal");
    }
  }

  @Test
  void standaloneWithoutServerNameChecksTheChainOfAnIpEndpointOnly() throws Exception {
    try (TestBackend trusted = TestBackend.startTls("web", CA.issue("not-this-ip.example"));
        TestProxy proxy = TestProxy.start()) {
      Translation t =
          translate(
              manifests(
                  "sluice.dev/backend-protocol: HTTPS, sluice.dev/proxy-ssl-secret: web-ca",
                  trusted.port(),
                  ""),
              TranslatorSettings.standalone("sluice"));
      assertThat(backend(t.snapshot()).tls().serverName()).isNull();
      proxy.publish(t.snapshot());
      assertThat(RawHttp.get(proxy.port(), "app.example.org", "/echo").status()).isEqualTo(200);
      assertThat(trusted.sniNames()).containsExactly("");
    }
  }

  @Test
  void verifyOffServesASelfSignedBackendAndTheDefaultTrustStoreRefusesIt() throws Exception {
    try (TestBackend b = TestBackend.startTls("web", TestCa.create("self").issue("web.shop.svc"));
        TestProxy proxy = TestProxy.start()) {
      Translation off =
          translate(
              manifests(
                  "sluice.dev/backend-protocol: HTTPS, sluice.dev/proxy-ssl-verify: \"off\"",
                  b.port(),
                  ""),
              TranslatorSettings.cluster("sluice"));
      assertThat(backend(off.snapshot()).tls().verify()).isFalse();
      proxy.publish(off.snapshot());
      assertThat(RawHttp.get(proxy.port(), "app.example.org", "/echo").status()).isEqualTo(200);

      Translation on =
          translate(
              manifests("sluice.dev/backend-protocol: HTTPS", b.port(), ""),
              TranslatorSettings.cluster("sluice"));
      assertThat(backend(on.snapshot()).tls()).isEqualTo(new UpstreamTls(true, null, "web.shop.svc"));
      proxy.publish(on.snapshot());
      assertThat(RawHttp.get(proxy.port(), "app.example.org", "/echo").status()).isEqualTo(502);
      assertThat(proxy.errors("upstream_tls")).isEqualTo(1);
    }
  }

  @Test
  void externalNameServicesKeepTheirOwnDnsNameForSni() {
    String yaml =
        """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: sluice}
        spec: {controller: sluice.dev/ingress-controller}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: ext, namespace: shop, annotations: {sluice.dev/backend-protocol: HTTPS}}
        spec:
          ingressClassName: sluice
          defaultBackend: {service: {name: partner, port: {number: 443}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: partner, namespace: shop}
        spec: {type: ExternalName, externalName: api.partner.example.com}
        """;
    Translation t = translate(yaml, TranslatorSettings.cluster("sluice"));
    assertThat(t.problems()).isEmpty();
    assertThat(backend(t.snapshot()).tls()).isEqualTo(UpstreamTls.DEFAULT);
  }
}

package dev.sluice.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Commands;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policies on a TLS host, through curl: HSTS parameters, and the request policies on HTTP/2 streams
 * (curl negotiates h2), which run through the same exchange as HTTP/1.1.
 */
class TlsRequestPolicyTest {
  private static final TestCa CA = TestCa.create("hsts CA");

  private static String manifests(Map<String, String> annotations, int port) {
    TestCa.Issued cert = CA.issue("app.example.org");
    String secret =
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: app-tls, namespace: default}
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
        %s
          tls.key: |
        %s
        """
            .formatted(
                cert.chainPem().indent(4).stripTrailing(), cert.keyPem().indent(4).stripTrailing());
    return PolicyManifests.ingress(annotations, port, true, secret)
        .replace(
            "tls: [{hosts: [app.example.org]}]",
            "tls: [{hosts: [app.example.org], secretName: app-tls}]");
  }

  private static String curl(TestProxy proxy, Path ca) throws Exception {
    Commands.Result r =
        Commands.curlHttps("app.example.org", proxy.httpsPort(), "/echo", ca.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    return r.out().toLowerCase();
  }

  @Test
  void hstsParametersShapeTheHeaderOnTlsAndFalseLeavesItOut(@TempDir Path dir) throws Exception {
    Path ca = CA.writePem(dir.resolve("ca.pem"));
    try (TestBackend b = TestBackend.start("web");
        TestProxy proxy = TestProxy.start()) {
      proxy.publish(
          RequestPolicyManifests.served(
                  manifests(
                      Map.of(
                          "sluice.dev/hsts-max-age", "600",
                          "sluice.dev/hsts-include-subdomains", "false",
                          "sluice.dev/hsts-preload", "true"),
                      b.port()))
              .snapshot());
      assertThat(curl(proxy, ca)).contains("strict-transport-security: max-age=600; preload\r\n");

      proxy.publish(
          RequestPolicyManifests.served(manifests(Map.of("sluice.dev/hsts", "false"), b.port()))
              .snapshot());
      String out = curl(proxy, ca);
      assertThat(out).contains("\"uri\":\"/echo\"").doesNotContain("strict-transport-security");
    }
  }

  @Test
  void rewriteHeadersAndBodySizeApplyToHttp2Streams(@TempDir Path dir) throws Exception {
    Path ca = CA.writePem(dir.resolve("ca.pem"));
    try (TestBackend b = TestBackend.start("web");
        TestProxy proxy = TestProxy.start()) {
      proxy.publish(
          RequestPolicyManifests.served(
                  manifests(
                      Map.of(
                          "sluice.dev/rewrite-target", "/v2",
                          "sluice.dev/request-headers-set", "X-Env: prod",
                          "sluice.dev/response-headers-set", "X-Frame-Options: DENY",
                          "sluice.dev/proxy-body-size", "1k"),
                      b.port()))
              .snapshot());
      Commands.Result r =
          Commands.curlHttps("app.example.org", proxy.httpsPort(), "/echo?q=1", ca.toString());
      assertThat(r.out().toLowerCase())
          .startsWith("http/2 200")
          .contains("x-frame-options: deny", "\"uri\":\"/v2/echo?q=1\"", "\"x-env\":\"prod\"");

      Commands.Result big =
          Commands.curlHttps(
              "app.example.org",
              proxy.httpsPort(),
              "/echo",
              ca.toString(),
              "--data-binary",
              "x".repeat(2000));
      assertThat(big.out().toLowerCase()).startsWith("http/2 413");
    }
  }
}

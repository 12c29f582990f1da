package dev.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTPS port of the packaged jar in standalone mode: a TLS Secret and an Ingress with {@code
 * tls} in the manifest folder (the certificate made by openssl when the test runs), curl as the
 * client. The Ingress's host is terminated with the Secret's certificate, its plain-HTTP requests
 * are redirected, and HSTS is sent over HTTPS only.
 */
class HttpsStandaloneTest {
  static final String HOST = "secure.example.test";
  @TempDir static Path work;
  static EchoProcess echo;
  static SluiceProcess sluice;
  static Path crt;

  @BeforeAll
  static void start() throws Exception {
    echo = EchoProcess.start("echo-tls");
    crt = work.resolve("tls.crt");
    Path key = work.resolve("tls.key");
    run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", key.toString(), "-out", crt.toString(), "-days", "2",
        "-subj", "/CN=" + HOST, "-addext", "subjectAltName=DNS:" + HOST));
    Path manifests = Files.createDirectories(work.resolve("manifests"));
    Files.writeString(manifests.resolve("secure.yaml"), manifest(Files.readString(crt), Files.readString(key)));
    sluice =
        SluiceProcess.start(
            work, "--manifests", manifests.toString(), "--bind", "127.0.0.1", "--http-port", "0",
            "--https-port", "0", "--admin-port", "0");
  }

  @AfterAll
  static void stop() throws Exception {
    if (sluice != null) sluice.close();
    if (echo != null) echo.close();
  }

  static String manifest(String crtPem, String keyPem) {
    return """
        %s
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: echo, namespace: default}
        spec:
          ports: [{name: http, port: 80, targetPort: http}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: echo-a
          namespace: default
          labels: {kubernetes.io/service-name: echo}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"]}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: secure, namespace: default}
        spec:
          tls: [{hosts: [%s], secretName: secure-tls}]
          rules:
            - host: %s
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: echo, port: {name: http}}}}
        """
        .formatted(Manifests.tlsSecret("default", "secure-tls", crtPem, keyPem), echo.port(), HOST, HOST);
  }


  @Test
  void listeningLineNamesBothPorts() {
    assertThat(sluice.httpsPort()).isPositive().isNotEqualTo(sluice.httpPort());
  }

  @Test
  void curlGetsTheSecretsCertificateAndTheBackendOverHttpsWithH2() throws Exception {
    String out =
        run(List.of("curl", "-sS", "-i", "--max-time", "10", "--cacert", crt.toString(), "--resolve",
            HOST + ":" + sluice.httpsPort() + ":127.0.0.1",
            "https://" + HOST + ":" + sluice.httpsPort() + "/hello?x=1"));
    assertThat(out)
        .startsWith("HTTP/2 200") // curl offers h2 first, and the HTTPS port takes it
        .containsIgnoringCase("strict-transport-security: max-age=31536000; includeSubDomains")
        .contains("request: GET /hello?x=1")
        .containsIgnoringCase("x-forwarded-proto: https")
        .contains("backend: echo-tls");
  }

  @Test
  void plainHttpIsRedirectedToTheHttpsPortWithoutHsts() throws Exception {
    Curl.Result r = Curl.get(sluice.httpPort(), HOST, "/a?b=c", "-i");
    assertThat(r.status()).isEqualTo(301);
    assertThat(r.body())
        .containsIgnoringCase("location: https://" + HOST + ":" + sluice.httpsPort() + "/a?b=c")
        .doesNotContainIgnoringCase("strict-transport-security");
  }

  static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("hung: " + cmd);
    }
    if (p.exitValue() != 0) {
      throw new IOException(cmd.get(0) + " failed (" + p.exitValue() + "):\n" + out);
    }
    return out;
  }
}

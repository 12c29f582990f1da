package dev.sluice.controller.acme;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Let's Encrypt's test ACME server (Debian package {@code pebble}) and its DNS helper, on loopback
 * ports chosen at start: every name resolves to 127.0.0.1 (no AAAA), HTTP-01 is validated at
 * {@link #httpPort()} and TLS-ALPN-01 at {@link #tlsPort()}, where the test runs the data plane.
 * No random validation sleeps, no authorization reuse, no nonce rejections, so runs are
 * deterministic. Its API certificate comes from a CA made here with openssl; {@link #trust()}
 * trusts it.
 */
public final class Pebble implements AutoCloseable {
  private final Path dir;
  private final int acmePort;
  private final int mgmtPort;
  private final int httpPort;
  private final int tlsPort;
  private final List<Process> processes = new ArrayList<>();
  private final SSLContext trust;

  public static boolean installed() {
    return Files.isExecutable(Path.of("/usr/bin/pebble"))
        && Files.isExecutable(Path.of("/usr/bin/pebble-challtestsrv"));
  }

  public Pebble(Path dir) throws Exception {
    this.dir = dir;
    int[] ports = freePorts(6);
    acmePort = ports[0];
    mgmtPort = ports[1];
    httpPort = ports[2];
    tlsPort = ports[3];
    int dnsPort = ports[4];
    int ctsPort = ports[5];
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "3650", "-keyout", "ca.key", "-out", "ca.pem", "-subj",
        "/CN=pebble-test-api-ca", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "key.pem", "-out", "api.csr", "-subj", "/CN=localhost");
    Files.writeString(dir.resolve("leaf.ext"), "basicConstraints=CA:FALSE\n"
        + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        + "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    run("openssl", "x509", "-req", "-in", "api.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "825", "-out", "cert.pem", "-extfile", "leaf.ext");
    Files.writeString(dir.resolve("pebble-config.json"), """
        {"pebble": {
          "listenAddress": "127.0.0.1:%d",
          "managementListenAddress": "127.0.0.1:%d",
          "certificate": "%s",
          "privateKey": "%s",
          "httpPort": %d,
          "tlsPort": %d,
          "ocspResponderURL": "",
          "externalAccountBindingRequired": false
        }}
        """.formatted(acmePort, mgmtPort, dir.resolve("cert.pem"), dir.resolve("key.pem"),
        httpPort, tlsPort));
    trust = trusting(dir.resolve("ca.pem"));
    start(List.of("pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
        "-dns01", "127.0.0.1:" + dnsPort, "-http01", "", "-https01", "", "-tlsalpn01", "",
        "-management", "127.0.0.1:" + ctsPort), "challtestsrv.log");
    start(List.of("pebble", "-config", "pebble-config.json", "-dnsserver", "127.0.0.1:" + dnsPort),
        "pebble.log");
    awaitDirectory();
  }

  public URI directory() {
    return URI.create("https://localhost:" + acmePort + "/dir");
  }

  public int httpPort() {
    return httpPort;
  }

  public int tlsPort() {
    return tlsPort;
  }

  public SSLContext trust() {
    return trust;
  }

  /** Pebble's issuing root (made fresh at every start). */
  public X509Certificate root() throws Exception {
    HttpClient c = HttpClient.newBuilder().sslContext(trust).build();
    String pem = c.send(HttpRequest.newBuilder(URI.create("https://localhost:" + mgmtPort + "/roots/0")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  public String log() throws IOException {
    return Files.readString(dir.resolve("pebble.log"));
  }

  private void awaitDirectory() throws Exception {
    HttpClient c = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(1)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        if (c.send(HttpRequest.newBuilder(directory()).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new IOException("pebble did not start: " + log(), e);
        }
      }
      Thread.sleep(50);
    }
  }

  private void start(List<String> command, String logName) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve(logName).toFile());
    pb.environment().put("PEBBLE_VA_NOSLEEP", "1");
    pb.environment().put("PEBBLE_AUTHZREUSE", "0");
    pb.environment().put("PEBBLE_WFE_NONCEREJECT", "0");
    processes.add(pb.start());
  }

  private void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(new File(dir.toFile(), "openssl.log")).start();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: "
          + Files.readString(dir.resolve("openssl.log")));
    }
  }

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("pebble-api", CertificateFactory.getInstance("X.509")
        .generateCertificate(Files.newInputStream(caPem)));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        out[i] = s.getLocalPort();
      }
      return out;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

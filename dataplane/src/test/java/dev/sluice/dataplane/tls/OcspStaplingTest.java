package dev.sluice.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.testing.Commands;
import dev.sluice.testing.OcspResponder;
import dev.sluice.testing.TestCa;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.Mapping;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OCSP stapling end to end: a real OCSP responder on loopback signing with a test CA, a real Netty
 * TLS server built from a {@link CertificateTable} compiled with an {@link OcspStapler}, and {@code
 * openssl s_client -status} as the client.
 */
class OcspStaplingTest {
  private static final OcspStapler.Settings FAST =
      new OcspStapler.Settings(
          Duration.ofSeconds(5),
          64 * 1024,
          Duration.ofMillis(200),
          Duration.ofHours(1),
          Duration.ofMillis(200),
          Duration.ofSeconds(1));

  private static TestCa ca;

  private OcspResponder responder;
  private MeterRegistry registry;
  private TestClock clock;
  private OcspStapler stapler;
  private TlsContextFactory factory;
  private volatile CertificateTable table;
  private TlsTestServer server;

  @BeforeAll
  static void ca() {
    ca = TestCa.create("Sluice OCSP Test CA");
  }

  @BeforeEach
  void start() throws Exception {
    assertThat(OpenSsl.isOcspSupported()).as("netty-tcnative with OCSP").isTrue();
    responder = new OcspResponder(ca);
    registry = new SimpleMeterRegistry();
    clock = new TestClock();
    stapler = new OcspStapler(registry, FAST, clock);
    factory = new TlsContextFactory(SslProvider.OPENSSL);
    server =
        new TlsTestServer(
            ch ->
                ch.pipeline()
                    .addLast(
                        new SniHandler((Mapping<String, SslContext>) host -> table.select(host)) {
                          @Override
                          protected SslHandler newSslHandler(
                              SslContext context, ByteBufAllocator alloc) {
                            return table.newHandler(context, alloc); // the HTTPS listener's call
                          }
                        },
                        new TlsTestServer.Report()));
  }

  @AfterEach
  void stop() {
    server.close();
    stapler.close();
    responder.close();
  }

  @Test
  void opensslSeesAGoodStapleFromTheCertificatesResponder() throws Exception {
    Certificate app = ca.issueWithOcsp(responder.url(), "app.example.test").certificate("default/app");
    serve(app);
    SslContext context = table.select("app.example.test");
    await().atMost(Duration.ofSeconds(10)).until(() -> stapler.staple(context) != null);

    String out = sClient("app.example.test");
    assertThat(out).contains("OCSP Response Status: successful").contains("Cert Status: good");
    assertThat(count("good")).isGreaterThanOrEqualTo(1);
    assertThat(registry.get(OcspStapler.STAPLED).gauge().value()).isEqualTo(1);
  }

  @Test
  void certificatesWithoutAResponderOrWithADeadOneAreServedWithoutAStaple() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    Certificate plain = ca.issueCertificate("default/plain", "plain.example.test");
    Certificate dead =
        ca.issueWithOcsp("http://127.0.0.1:" + deadPort + "/ocsp", "dead.example.test")
            .certificate("default/dead");
    serve(plain, dead);
    await().atMost(Duration.ofSeconds(10)).until(() -> count("error") >= 1);

    for (String host : List.of("plain.example.test", "dead.example.test")) {
      String out = sClient(host);
      assertThat(out).contains("OCSP response: no response sent").contains("Verify return code");
      assertThat(out).containsPattern("Protocol *: TLSv1.3|New, TLSv1.3");
    }
    assertThat(stapler.staple(table.select("plain.example.test"))).isNull();
    assertThat(responder.requests()).isZero();
    assertThat(registry.get(OcspStapler.STAPLED).gauge().value()).isZero();
  }

  @Test
  void aRevokedCertificateIsNotStapledAndIsCounted() throws Exception {
    TestCa.Issued issued = ca.issueWithOcsp(responder.url(), "revoked.example.test");
    Certificate revoked = issued.certificate("default/revoked");
    responder.revoke(TestCa.leaf(revoked).getSerialNumber());
    serve(revoked);
    await().atMost(Duration.ofSeconds(10)).until(() -> count("revoked") >= 1);

    assertThat(stapler.staple(table.select("revoked.example.test"))).isNull();
    assertThat(sClient("revoked.example.test")).contains("OCSP response: no response sent");
    assertThat(count("good")).isZero();
  }

  @Test
  void aStapleIsRefreshedAtHalfItsWindowAndForgottenWithItsCertificate() throws Exception {
    // OCSP times have whole seconds: a 3 s window leaves 2-3 s, so refreshes come every 1-1.5 s
    responder.validity(Duration.ofSeconds(3));
    Certificate app = ca.issueWithOcsp(responder.url(), "app.example.test").certificate("default/app");
    serve(app);
    SslContext context = table.select("app.example.test");
    await().atMost(Duration.ofSeconds(10)).until(() -> stapler.staple(context) != null);
    byte[] first = stapler.staple(context);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              byte[] now = stapler.staple(context);
              return responder.requests() >= 2 && now != null && !Arrays.equals(first, now);
            });
    assertThat(stapler.staple(context)).isNotNull();
    assertThat(sClient("app.example.test")).contains("Cert Status: good");

    serve(); // a snapshot without the certificate
    await().atMost(Duration.ofSeconds(5)).until(() -> stapler.staple(context) == null);
    int requests = responder.requests();
    Thread.sleep(2000); // more than a refresh period: no fetch for a certificate that is gone
    assertThat(responder.requests()).isLessThanOrEqualTo(requests + 1);
    assertThat(registry.get(OcspStapler.STAPLED).gauge().value()).isZero();
  }

  @Test
  void aStaplePastItsNextUpdateIsNotServed() throws Exception {
    Certificate app = ca.issueWithOcsp(responder.url(), "app.example.test").certificate("default/app");
    serve(app); // responses valid one hour: the next refresh is 30 minutes away
    SslContext context = table.select("app.example.test");
    await().atMost(Duration.ofSeconds(10)).until(() -> stapler.staple(context) != null);

    clock.advance(Duration.ofHours(2));
    assertThat(stapler.staple(context)).isNull();
    assertThat(registry.get(OcspStapler.STAPLED).gauge().value()).isZero();
    assertThat(sClient("app.example.test")).contains("OCSP response: no response sent");
  }

  @Test
  void theJdkProviderNeverStaples() throws Exception {
    TlsContextFactory jdk = new TlsContextFactory(SslProvider.JDK);
    assertThat(jdk.staplesOcsp(TlsSettings.defaults())).isFalse();
    assertThat(factory.staplesOcsp(TlsSettings.defaults().toBuilder().enableOcsp(false).build()))
        .isFalse();
    Certificate app = ca.issueWithOcsp(responder.url(), "app.example.test").certificate("default/app");
    table =
        CertificateTable.compile(List.of(app), null, TlsSettings.defaults(), jdk, stapler).table();

    // not tracked at all: compile decides synchronously, so nothing was or will be queued
    assertThat(sClient("app.example.test")).contains("OCSP response: no response sent");
    assertThat(responder.requests()).isZero();
  }

  private void serve(Certificate... certificates) {
    table =
        CertificateTable.compile(
                List.of(certificates), null, TlsSettings.defaults(), factory, stapler)
            .table();
  }

  private double count(String result) {
    return registry.get(OcspStapler.STAPLES).tag("result", result).counter().count();
  }

  private String sClient(String sni) throws Exception {
    Commands.Result r =
        Commands.run(
            List.of(
                "openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-servername", sni, "-status", "-CAfile", caFile()),
            "");
    return r.out() + r.err();
  }

  private static String caFile() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("ocsp-ca", ".pem");
    file.toFile().deleteOnExit();
    return ca.writePem(file).toString();
  }

  /** A clock the test can move forward. */
  private static final class TestClock extends Clock {
    private volatile Duration offset = Duration.ZERO;

    void advance(Duration d) {
      offset = offset.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(offset);
    }
  }
}

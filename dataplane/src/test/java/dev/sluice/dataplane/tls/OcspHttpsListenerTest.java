package dev.sluice.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.testing.Commands;
import dev.sluice.testing.OcspResponder;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The whole path in production wiring: a {@link SnapshotHolder} with an {@link OcspStapler}, the
 * real HTTPS listener (ClientHelloSniffer, then termination), {@code openssl s_client -status}.
 */
class OcspHttpsListenerTest {

  @Test
  void theHttpsListenerStaplesTheResponseOfAPublishedCertificate() throws Exception {
    TestCa ca = TestCa.create("Listener OCSP CA");
    try (OcspResponder responder = new OcspResponder(ca);
        OcspStapler stapler = new OcspStapler(new SimpleMeterRegistry());
        TestProxy proxy =
            TestProxy.start(
                b -> b,
                new SnapshotHolder(SnapshotHolder.DEFAULT_TLS_SETTINGS, null, stapler))) {
      Certificate app =
          ca.issueWithOcsp(responder.url(), "app.example.test").certificate("default/app");
      proxy.publish(TestSnapshots.builder().certificate(app).build());
      var context = proxy.snapshots().tables().certificates().select("app.example.test");
      await().atMost(Duration.ofSeconds(10)).until(() -> stapler.staple(context) != null);

      Commands.Result r =
          Commands.run(
              List.of(
                  "openssl", "s_client", "-connect", "127.0.0.1:" + proxy.httpsPort(),
                  "-servername", "app.example.test", "-status"),
              "");
      assertThat(r.out())
          .contains("OCSP Response Status: successful")
          .contains("Cert Status: good");
    }
  }
}

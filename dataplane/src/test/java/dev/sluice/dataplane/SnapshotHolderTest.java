package dev.sluice.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestSnapshots;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotHolderTest {
  static final TestCa CA = TestCa.create("Holder CA");

  @Test
  void badCertificateIsReportedAndTheRestOfTheSnapshotIsPublished() {
    SnapshotHolder holder = new SnapshotHolder();
    Certificate good = CA.issueCertificate("default/good", "good.example.test");
    Certificate bad = new Certificate("default/bad", List.of("bad.example.test"), "not a pem", "nope");
    try (TestBackend backend = TestBackend.start("b")) {
      holder.publish(
          TestSnapshots.builder()
              .prefix("good.example.test", "/", backend.endpoint())
              .certificate(bad)
              .certificate(good)
              .build());
      SnapshotHolder.Tables tables = holder.tables();
      assertThat(tables.routes()).isSameAs(holder.current());
      assertThat(holder.current().match("good.example.test", "/")).isNotNull();
      assertThat(tables.certificates().select("good.example.test"))
          .isNotSameAs(tables.certificates().defaultContext());
      assertThat(tables.certificates().select("bad.example.test"))
          .isSameAs(tables.certificates().defaultContext());
      assertThat(holder.certificateProblems())
          .singleElement()
          .satisfies(p -> assertThat(p.certificateName()).isEqualTo("default/bad"));
    }
  }

  @Test
  void unchangedCertificateKeepsItsTlsContextAcrossSnapshots() {
    SnapshotHolder holder = new SnapshotHolder();
    Certificate c = CA.issueCertificate("default/c", "c.example.test");
    holder.publish(TestSnapshots.builder().certificate(c).build());
    var first = holder.tables().certificates().select("c.example.test");
    holder.publish(TestSnapshots.builder().certificate(c).build());
    assertThat(holder.tables().certificates().select("c.example.test")).isSameAs(first);
  }

  @Test
  void brokenConfiguredDefaultIsReportedAndTheGeneratedOneServed() {
    Certificate good = CA.issueCertificate("flag/default", "default.example.test");
    SnapshotHolder holder = new SnapshotHolder(SnapshotHolder.DEFAULT_TLS_SETTINGS, good);
    holder.publish(TestSnapshots.builder().build());
    assertThat(holder.certificateProblems()).isEmpty();
    assertThat(holder.tlsSettings().alpnProtocols()).containsExactly("h2", "http/1.1");

    Certificate broken = new Certificate("flag/default", List.of(), good.certificateChainPem(), "x");
    SnapshotHolder fallback = new SnapshotHolder(SnapshotHolder.DEFAULT_TLS_SETTINGS, broken);
    assertThat(fallback.certificateProblems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("serving the generated default instead"));
    assertThat(fallback.tables().certificates().select(null)).isNotNull();
  }
}

package dev.sluice.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.tls.TestCertificates.KeyFormat;
import io.netty.handler.ssl.SslContext;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CertificateTableTest {

  private static Certificate exact;
  private static Certificate wildcard;
  private static Certificate configuredDefault;
  private static CertificateTable.Compilation compiled;
  private static TlsContextFactory factory;

  @BeforeAll
  static void compile() throws Exception {
    exact = TestCertificates.ec("ns/exact", List.of("app.example.test"), KeyFormat.PKCS8);
    wildcard = TestCertificates.ec("ns/wildcard", List.of("*.example.test", "other.test"), KeyFormat.PKCS8);
    configuredDefault = TestCertificates.ec("ns/default", List.of(), KeyFormat.PKCS8);
    factory = new TlsContextFactory();
    compiled = CertificateTable.compile(List.of(exact, wildcard), configuredDefault, TlsSettings.defaults(), factory);
  }

  private static String served(String sni) throws Exception {
    SslContext ctx = compiled.table().select(sni);
    for (Certificate c : List.of(exact, wildcard, configuredDefault)) {
      if (ctx == factory.build(c, TlsSettings.defaults())) {
        return c.name();
      }
    }
    return "?";
  }

  /** The precedence table: exact, then one-label wildcard, then default. */
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "app.example.test,   ns/exact",
    "a.example.test,     ns/wildcard",
    "other.test,         ns/wildcard",
    "a.b.example.test,   ns/default",
    "example.test,       ns/default",
    "unknown.test,       ns/default",
    "test,               ns/default",
    ",                   ns/default"
  })
  void precedence(String sni, String expected) throws Exception {
    assertThat(served(sni)).isEqualTo(expected);
    assertThat(compiled.problems()).isEmpty();
  }

  @Test
  void badCertificatesAreLeftOutAndReportedNotThrown() throws Exception {
    Certificate broken = new Certificate("ns/broken", List.of("broken.test"), "junk", "junk");
    Certificate dup = TestCertificates.ec("ns/dup", List.of("app.example.test", "Bad_Name.test", "fine.test"), KeyFormat.PKCS8);
    var result = CertificateTable.compile(List.of(exact, broken, dup), null, TlsSettings.defaults(), new TlsContextFactory());
    assertThat(result.problems()).extracting(CertificateProblem::certificateName)
        .containsExactly("ns/broken", "ns/dup", "ns/dup");
    assertThat(result.problems().get(0).message()).contains("ns/broken").contains("certificate PEM");
    assertThat(result.problems().get(1).message()).contains("app.example.test").contains("ns/exact");
    assertThat(result.problems().get(2).message()).contains("Bad_Name.test");
    CertificateTable t = result.table();
    assertThat(t.select("broken.test")).isSameAs(t.defaultContext());
    assertThat(t.select("fine.test")).isNotSameAs(t.defaultContext());
    assertThat(t.select("app.example.test")).isNotSameAs(t.select("fine.test"));
  }

  @Test
  void badConfiguredDefaultFallsBackToTheGeneratedOne() {
    Certificate bad = new Certificate("ns/bad-default", List.of(), "junk", "junk");
    var result = CertificateTable.compile(List.of(), bad, TlsSettings.defaults(), new TlsContextFactory());
    assertThat(result.problems()).singleElement().satisfies(p -> {
      assertThat(p.certificateName()).isEqualTo("ns/bad-default");
      assertThat(p.message()).contains("generated default");
    });
    assertThat(result.table().select(null)).isNotNull();
  }

  @Test
  void unchangedCertificatesReuseContextsAcrossSnapshotsAndDroppedOnesAreForgotten() throws Exception {
    TlsContextFactory f = new TlsContextFactory();
    var first = CertificateTable.compile(List.of(exact, wildcard), configuredDefault, TlsSettings.defaults(), f);
    assertThat(f.cachedContexts()).isEqualTo(3);
    var second = CertificateTable.compile(List.of(exact), configuredDefault, TlsSettings.defaults(), f);
    assertThat(second.table().select("app.example.test")).isSameAs(first.table().select("app.example.test"));
    assertThat(second.table().defaultContext()).isSameAs(first.table().defaultContext());
    assertThat(f.cachedContexts()).isEqualTo(2);
  }
}

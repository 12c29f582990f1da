package dev.sluice.controller.translate;

import static dev.sluice.controller.translate.PolicyManifests.ingress;
import static dev.sluice.controller.translate.PolicyManifests.route;
import static dev.sluice.controller.translate.PolicyManifests.translate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.CompressionPolicy;
import dev.sluice.dataplane.snapshot.SnapshotJson;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The compression annotations: defaults, values, refused values, and a real request. */
class CompressionAnnotationsTest {

  @Test
  void enableCompressionTakesIngressNginxDefaults() {
    Translation t = translate(ingress(Map.of("sluice.dev/enable-compression", "true"), 80, false), false);
    CompressionPolicy p = route(t).policy().compression();
    assertThat(p.encodings()).containsExactly("br", "zstd", "gzip");
    assertThat(p.types()).isEqualTo(CompressionPolicy.DEFAULT_TYPES);
    assertThat(p.minLength()).isEqualTo(256);
    assertThat(t.problems()).isEmpty();
    assertThat(route(translate(ingress(Map.of(), 80, false), false)).policy().compression().isNone())
        .isTrue();
  }

  @Test
  void explicitValuesAndSnapshotJson() {
    Translation t =
        translate(
            ingress(
                Map.of(
                    "sluice.dev/enable-compression", "true",
                    "sluice.dev/compression-encodings", "gzip, BR",
                    "sluice.dev/compression-types", "text/* application/json,image/svg+xml",
                    "sluice.dev/compression-min-length", "1024"),
                80, false),
            false);
    CompressionPolicy p = route(t).policy().compression();
    assertThat(p.encodings()).containsExactly("gzip", "br");
    assertThat(p.types()).isEqualTo(Set.of("text/*", "application/json", "image/svg+xml"));
    assertThat(p.minLength()).isEqualTo(1024);
    assertThat(SnapshotJson.render(t.snapshot()))
        .contains("\"compression\": {", "\"minLength\": 1024", "\"text/*\"");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "enable-compression|yes|true",
        "compression-encodings|deflate|not one of",
        "compression-encodings|gzip,gzip|twice",
        "compression-encodings|' , '|empty",
        "compression-types|json|not a media type",
        "compression-types|*/*|not a media type",
        "compression-types|text/html;charset=utf-8|not a media type",
        "compression-min-length|-1|number of bytes",
        "compression-min-length|1k|number of bytes",
      })
  void invalidValuesLeaveTheIngressOut(String name, String value, String why) {
    Map<String, String> a = new java.util.HashMap<>(Map.of("sluice.dev/enable-compression", "true"));
    a.put("sluice.dev/" + name, value);
    Translation t = translate(ingress(a, 80, false), false);
    assertThat(PolicyManifests.routes(t.snapshot())).isEmpty();
    assertThat(t.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("sluice.dev/" + name, why, "not served"));
  }

  @Test
  void settingsWithoutEnableAreRefusedRatherThanIgnored() {
    Translation t = translate(ingress(Map.of("sluice.dev/compression-min-length", "10"), 80, false), false);
    assertThat(t.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("compression-min-length", "enable-compression"));
  }

  @Test
  void translatedIngressCompressesARealResponse() throws Exception {
    try (TestBackend backend = TestBackend.start("web");
        TestProxy proxy = TestProxy.start()) {
      Translation t =
          translate(
              ingress(Map.of("sluice.dev/enable-compression", "true",
                  "sluice.dev/compression-min-length", "0"), backend.endpoint().port(), false),
              false);
      proxy.publish(t.snapshot());
      // curl: the Ingress's host resolved to loopback, the body decoded by curl itself
      Process p =
          new ProcessBuilder(
                  "curl", "-sS", "--compressed", "-D", "-",
                  "--resolve", "app.example.org:" + proxy.port() + ":127.0.0.1",
                  "http://app.example.org:" + proxy.port() + "/echo")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).isZero();
      assertThat(out.toLowerCase()).containsPattern("content-encoding: (br|zstd|gzip)")
          .contains("vary: accept-encoding");
      assertThat(out).contains("\"backend\":\"web\"");
    }
  }
}

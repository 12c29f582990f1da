package dev.sluice.dataplane.policy.compress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.CompressionPolicy;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Accept-Encoding q-values and the head checks of {@link ContentNegotiation}. */
class ContentNegotiationTest {
  static final List<String> ALL = List.of("br", "zstd", "gzip");

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "gzip|gzip",
        "x-gzip|gzip",
        "GZIP;Q=0.5|gzip",
        "gzip, deflate, br|br",
        "gzip;q=1.0, br;q=0.9|gzip",
        "br;q=0, gzip;q=0.1|gzip",
        "*|br",
        "*;q=0.2, br;q=0|zstd",
        "identity|-",
        "gzip;q=0|-",
        "*;q=0|-",
        "gzip;q=bogus|-",
        "gzip;q=2|-",
        "' , ;, gzip'|gzip",
        "deflate|-",
      })
  void choosesByQValueThenServerOrder(String acceptEncoding, String expected) {
    assertThat(ContentNegotiation.choose(ALL, acceptEncoding)).isEqualTo(expected);
  }

  @Test
  void serverOrderBreaksTiesAndOnlyOfferedCount() {
    assertThat(ContentNegotiation.choose(List.of("gzip", "br"), "br, gzip")).isEqualTo("gzip");
    assertThat(ContentNegotiation.choose(List.of("gzip"), "br")).isNull();
  }

  static HttpResponse head(int status, String type, String length) {
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
    if (type != null) {
      r.headers().set("content-type", type);
    }
    if (length != null) {
      r.headers().set("content-length", length);
    }
    return r;
  }

  @Test
  void headChecks() {
    CompressionPolicy p = new CompressionPolicy(ALL, Set.of("text/*", "application/json"), 100);
    HttpResponse ok = head(200, "Text/HTML; charset=utf-8", "1000");
    ok.headers().set("vary", "Origin");
    assertThat(ContentNegotiation.apply(p, "gzip", ok)).isEqualTo("gzip");
    assertThat(ok.headers().getAll("vary")).containsExactly("Origin", "accept-encoding");
    assertThat(ok.headers().get("transfer-encoding")).isEqualTo("chunked");
    assertThat(ok.headers().contains("content-length")).isFalse();

    assertThat(ContentNegotiation.apply(p, "gzip", head(200, "application/json", "99"))).isNull();
    assertThat(ContentNegotiation.apply(p, "gzip", head(200, "application/jsonx", "1000"))).isNull();
    assertThat(ContentNegotiation.apply(p, "gzip", head(200, null, "1000"))).isNull();
    assertThat(ContentNegotiation.apply(p, "gzip", head(206, "text/plain", "1000"))).isNull();
    assertThat(ContentNegotiation.apply(p, "gzip", head(304, "text/plain", null))).isNull();
    HttpResponse identity = head(200, "text/plain", "1000");
    identity.headers().set("content-encoding", "identity");
    assertThat(ContentNegotiation.apply(p, "gzip", identity)).isNull();
    HttpResponse noTransform = head(200, "text/plain", "1000");
    noTransform.headers().set("cache-control", "public, No-Transform");
    assertThat(ContentNegotiation.apply(p, "gzip", noTransform)).isNull();
    HttpResponse streamed = head(200, "text/plain", null); // no length: compressed
    assertThat(ContentNegotiation.apply(p, "br", streamed)).isEqualTo("br");
    HttpResponse varyAll = head(200, "text/plain", "1000");
    varyAll.headers().set("vary", "*");
    ContentNegotiation.apply(p, null, varyAll);
    assertThat(varyAll.headers().getAll("vary")).containsExactly("*");
  }
}

package dev.sluice.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.dataplane.routing.EndpointRegistry;
import dev.sluice.dataplane.routing.RouteTable;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.SnapshotJson;
import dev.sluice.dataplane.snapshot.UpstreamTls;
import dev.sluice.testing.TestCa;
import dev.sluice.testing.TestSnapshots;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpstreamTlsContextsTest {
  private static final TestCa CA = TestCa.create("contexts CA");
  private static final Endpoint IP = Endpoint.of("10.0.0.7", 8443);

  private static Snapshot snapshot(UpstreamTls... settings) {
    TestSnapshots b = TestSnapshots.builder();
    for (int i = 0; i < settings.length; i++) {
      b.prefixTls("h" + i + ".test", "/", settings[i], IP);
    }
    return b.build();
  }

  private static UpstreamTlsClient client(RouteTable table, String host) {
    return table.match(host, "/").upstreamTls();
  }

  @Test
  void sameCaInANewSnapshotReusesTheContextAndSniDoesNotSplitIt() {
    UpstreamTlsContexts contexts = new UpstreamTlsContexts();
    EndpointRegistry registry = new EndpointRegistry();
    RouteTable first =
        RouteTable.compile(
            snapshot(new UpstreamTls(true, CA.pem(), "a.svc"), new UpstreamTls(true, CA.pem(), "b.svc")),
            registry,
            contexts);
    RouteTable second =
        RouteTable.compile(snapshot(new UpstreamTls(true, CA.pem(), "a.svc")), registry, contexts);
    assertThat(client(first, "h0.test").context()).isSameAs(client(first, "h1.test").context());
    assertThat(client(second, "h0.test").context()).isSameAs(client(first, "h0.test").context());
    assertThat(contexts.cachedContexts()).isEqualTo(1);
  }

  @Test
  void contextsNoSnapshotUsesAreForgotten() {
    UpstreamTlsContexts contexts = new UpstreamTlsContexts();
    EndpointRegistry registry = new EndpointRegistry();
    RouteTable.compile(
        snapshot(new UpstreamTls(true, CA.pem(), null), UpstreamTls.INSECURE, UpstreamTls.DEFAULT),
        registry,
        contexts);
    assertThat(contexts.cachedContexts()).isEqualTo(3);
    RouteTable.compile(snapshot(UpstreamTls.INSECURE), registry, contexts);
    assertThat(contexts.cachedContexts()).isEqualTo(1);
    RouteTable.compile(TestSnapshots.catchAll(IP), registry, contexts);
    assertThat(contexts.cachedContexts()).isZero();
  }

  @Test
  void poolKeysSeparatePlainFromTlsAndTlsSettingsFromEachOther() {
    UpstreamTlsContexts contexts = new UpstreamTlsContexts();
    String plain = IP.authority();
    List<String> keys =
        List.of(
            contexts.client(new UpstreamTls(true, CA.pem(), "a.svc")).poolKey(plain),
            contexts.client(new UpstreamTls(true, CA.pem(), "b.svc")).poolKey(plain),
            contexts.client(new UpstreamTls(true, null, "a.svc")).poolKey(plain),
            contexts.client(new UpstreamTls(false, null, "a.svc")).poolKey(plain),
            contexts.client(UpstreamTls.INSECURE).poolKey(plain));
    assertThat(keys).doesNotHaveDuplicates().doesNotContain(plain);
    assertThat(contexts.client(new UpstreamTls(true, CA.pem(), "a.svc")).poolKey(plain))
        .isEqualTo(keys.get(0));
  }

  @Test
  void sniIsTheServerNameElseTheEndpointsDnsNameNeverAnIp() {
    UpstreamTlsContexts contexts = new UpstreamTlsContexts();
    UpstreamTlsClient named = contexts.client(new UpstreamTls(true, CA.pem(), "web.default.svc"));
    UpstreamTlsClient unnamed = contexts.client(new UpstreamTls(true, CA.pem(), null));
    assertThat(named.serverNameFor(IP)).isEqualTo("web.default.svc");
    assertThat(unnamed.serverNameFor(IP)).isNull();
    assertThat(unnamed.serverNameFor(Endpoint.of("::1", 443))).isNull();
    assertThat(unnamed.serverNameFor(Endpoint.of("api.partner.example.com", 443)))
        .isEqualTo("api.partner.example.com");
    SslHandler h = named.newHandler(UnpooledByteBufAllocator.DEFAULT, IP, 1000);
    try {
      assertThat(h.engine().getSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
      assertThat(h.engine().getPeerHost()).isEqualTo("web.default.svc");
    } finally {
      io.netty.util.ReferenceCountUtil.release(h.engine());
    }
  }

  @Test
  void unreadableCaGivesAClientThatSaysWhy() {
    UpstreamTlsClient c =
        new UpstreamTlsContexts()
            .client(new UpstreamTls(true, "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n", null));
    assertThat(c.problem()).isNotBlank();
    assertThatThrownBy(() -> c.newHandler(UnpooledByteBufAllocator.DEFAULT, IP, 1000))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void snapshotSettingsAreValidatedAndRenderedWithoutPem() {
    assertThatThrownBy(() -> new UpstreamTls(false, CA.pem(), null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new UpstreamTls(true, null, "10.0.0.1:443"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new BackendGroup(
                    "g", List.of(IP), BackendGroup.LoadBalancing.ROUND_ROBIN,
                    BackendGroup.UpstreamProtocol.HTTP, UpstreamTls.INSECURE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(
            new BackendGroup(
                    "g", List.of(IP), BackendGroup.LoadBalancing.ROUND_ROBIN,
                    BackendGroup.UpstreamProtocol.HTTPS)
                .tls())
        .isEqualTo(UpstreamTls.DEFAULT);
    UpstreamTls tls = new UpstreamTls(true, CA.pem(), "Web.Default.SVC");
    assertThat(tls.serverName()).isEqualTo("web.default.svc");
    String json = SnapshotJson.render(snapshot(tls));
    assertThat(json)
        .contains("\"protocol\": \"HTTPS\"")
        .contains("\"verify\": true")
        .contains("\"caSha256\": \"" + tls.caSha256() + "\"")
        .contains("\"serverName\": \"web.default.svc\"")
        .doesNotContain("BEGIN CERTIFICATE");
    assertThat(tls.toString()).doesNotContain("BEGIN");
  }

  @Test
  void h2AndHttp11ClientsWithTheSameSettingsHaveTheirOwnContextsAlpnAndPoolKeys() {
    UpstreamTlsContexts contexts = new UpstreamTlsContexts();
    UpstreamTls tls = new UpstreamTls(true, CA.pem(), "a.svc");
    RouteTable table =
        RouteTable.compile(
            TestSnapshots.builder()
                .prefixTls("h1.test", "/", tls, IP)
                .prefixH2("h2.test", "/", tls, IP)
                .build(),
            new EndpointRegistry(),
            contexts);
    UpstreamTlsClient http11 = client(table, "h1.test");
    UpstreamTlsClient h2 = client(table, "h2.test");
    assertThat(http11.h2()).isFalse();
    assertThat(h2.h2()).isTrue();
    assertThat(h2.context()).isNotSameAs(http11.context());
    assertThat(contexts.cachedContexts()).isEqualTo(2);
    assertThat(h2.context().applicationProtocolNegotiator().protocols()).containsExactly("h2");
    assertThat(http11.context().applicationProtocolNegotiator().protocols())
        .containsExactly("http/1.1");
    String authority = IP.authority();
    assertThat(h2.poolKey(authority))
        .isNotEqualTo(http11.poolKey(authority))
        .isNotEqualTo(authority)
        .endsWith(authority);
    // a later snapshot without the h2 route drops only the h2 context
    RouteTable.compile(
        TestSnapshots.builder().prefixTls("h1.test", "/", tls, IP).build(),
        new EndpointRegistry(),
        contexts);
    assertThat(contexts.cachedContexts()).isEqualTo(1);
  }
}

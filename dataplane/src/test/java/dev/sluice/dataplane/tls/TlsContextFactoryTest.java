package dev.sluice.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.tls.TestCertificates.KeyFormat;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TlsContextFactoryTest {

  private static Certificate ecCert;
  private static Certificate rsaCert;
  private static SSLContext client;
  private static EventLoopGroup clientGroup;

  @BeforeAll
  static void certificates() throws Exception {
    ecCert = TestCertificates.ec("default/ec", List.of("app.example.test"), KeyFormat.TRADITIONAL);
    rsaCert = TestCertificates.rsa("default/rsa", List.of("rsa.example.test"), KeyFormat.TRADITIONAL);
    client = TestCertificates.trusting(ecCert, rsaCert);
    clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static TlsTestServer serve(SslContext context) throws Exception {
    return new TlsTestServer(
        ch -> ch.pipeline().addLast(context.newHandler(ch.alloc()), new TlsTestServer.Report()));
  }

  enum Provider {
    OPENSSL,
    JDK
  }

  private static TlsContextFactory factory(Provider p) {
    if (p == Provider.OPENSSL) {
      assumeTrue(OpenSsl.isAvailable(), "BoringSSL not loaded");
      return new TlsContextFactory(SslProvider.OPENSSL);
    }
    return new TlsContextFactory(SslProvider.JDK);
  }

  @ParameterizedTest
  @EnumSource(Provider.class)
  void tls13HandshakeWithAlpnH2(Provider p) throws Exception {
    SslContext ctx = factory(p).build(ecCert, TlsSettings.defaults());
    try (TlsTestServer server = serve(ctx)) {
      var seen = TlsTestServer.connect(client, server.port(), "app.example.test",
          new String[] {"TLSv1.3"}, null, "h2", "http/1.1");
      assertThat(seen.line()).startsWith("TLSv1.3 TLS_AES_").endsWith(" h2");
    }
  }

  @ParameterizedTest
  @EnumSource(Provider.class)
  void tls12HandshakeUsesAConfiguredCipher(Provider p) throws Exception {
    TlsSettings settings = TlsSettings.builder()
        .cipherSuites(List.of("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"))
        .build();
    TlsContextFactory factory = factory(p);
    try (TlsTestServer ec = serve(factory.build(ecCert, settings));
        TlsTestServer rsa = serve(factory.build(rsaCert, settings))) {
      assertThat(TlsTestServer.connect(client, ec.port(), "app.example.test",
              new String[] {"TLSv1.2"}, null, "http/1.1").line())
          .isEqualTo("TLSv1.2 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 http/1.1");
      assertThat(TlsTestServer.connect(client, rsa.port(), "rsa.example.test",
              new String[] {"TLSv1.2"}, null).line())
          .startsWith("TLSv1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
      // a client offering only a suite outside the list is refused
      assertThatThrownBy(() -> TlsTestServer.connect(client, ec.port(), "app.example.test",
              new String[] {"TLSv1.2"}, new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void defaultTls12CiphersAreEcdheAead() throws Exception {
    SslContext ctx = factory(Provider.OPENSSL).build(ecCert, TlsSettings.defaults());
    try (TlsTestServer server = serve(ctx)) {
      for (String suite : List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_128_GCM_SHA256")) {
        assertThatThrownBy(() -> TlsTestServer.connect(client, server.port(), "app.example.test",
                new String[] {"TLSv1.2"}, new String[] {suite}))
            .as(suite).isInstanceOf(IOException.class);
      }
      assertThat(TlsTestServer.connect(client, server.port(), "app.example.test",
              new String[] {"TLSv1.2"}, null).line())
          .startsWith("TLSv1.2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    }
  }

  @Test
  void tls11OnlyClientIsRefused() throws Exception {
    SslContext ctx = factory(Provider.OPENSSL).build(ecCert, TlsSettings.defaults());
    try (TlsTestServer server = serve(ctx)) {
      assertThat(nettyClientHandshake(server.port(), "TLSv1.1").cause()).isInstanceOf(SSLHandshakeException.class);
      assertThat(nettyClientHandshake(server.port(), "TLSv1.2").isSuccess()).isTrue();
    }
  }

  @Test
  void minimumTls13RefusesTls12Clients() throws Exception {
    TlsSettings tls13 = TlsSettings.builder().minimumVersion(TlsVersion.parse("VersionTLS13")).build();
    SslContext ctx = factory(Provider.OPENSSL).build(ecCert, tls13);
    try (TlsTestServer server = serve(ctx)) {
      assertThatThrownBy(() -> TlsTestServer.connect(client, server.port(), "app.example.test",
              new String[] {"TLSv1.2"}, null))
          .isInstanceOf(IOException.class);
      assertThat(TlsTestServer.connect(client, server.port(), "app.example.test", null, null).line())
          .startsWith("TLSv1.3");
    }
  }

  /** A BoringSSL client limited to one protocol version; returns the handshake future. */
  private static Future<Channel> nettyClientHandshake(int port, String protocol) throws Exception {
    SslContext clientCtx = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
        .protocols(protocol).trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    SslHandler[] handler = new SslHandler[1];
    Channel ch = new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            handler[0] = clientCtx.newHandler(c.alloc(), "app.example.test", port);
            c.pipeline().addLast(handler[0], new TlsTestServer.Report());
          }
        })
        .connect("127.0.0.1", port).sync().channel();
    Future<Channel> hs = handler[0].handshakeFuture().await();
    ch.close().sync();
    return hs;
  }

  @Test
  void pkcs8Pkcs1AndSec1KeysAllWork() throws Exception {
    TlsContextFactory factory = factory(Provider.OPENSSL);
    for (Certificate c : List.of(
        TestCertificates.ec("ec-pkcs8", List.of("a.test"), KeyFormat.PKCS8),
        TestCertificates.ec("ec-sec1", List.of("a.test"), KeyFormat.TRADITIONAL),
        TestCertificates.rsa("rsa-pkcs8", List.of("a.test"), KeyFormat.PKCS8),
        TestCertificates.rsa("rsa-pkcs1", List.of("a.test"), KeyFormat.TRADITIONAL))) {
      assertThat(c.privateKeyPem()).contains(c.name().endsWith("pkcs8") ? "BEGIN PRIVATE KEY"
          : c.name().startsWith("ec") ? "BEGIN EC PRIVATE KEY" : "BEGIN RSA PRIVATE KEY");
      SslContext ctx = factory.build(c, TlsSettings.defaults());
      try (TlsTestServer server = serve(ctx)) {
        var seen = TlsTestServer.connect(TestCertificates.trusting(c), server.port(), "a.test", null, null);
        assertThat(seen.leaf()).isEqualTo(TestCertificates.leaf(c));
      }
    }
  }

  @Test
  void badPemIsAClearErrorNamingTheCertificate() throws Exception {
    TlsContextFactory factory = factory(Provider.OPENSSL);
    TlsSettings s = TlsSettings.defaults();
    assertThatThrownBy(() -> factory.build(new Certificate("ns/garbage", List.of(), "not pem", ecCert.privateKeyPem()), s))
        .isInstanceOf(TlsContextException.class).hasMessageContaining("ns/garbage").hasMessageContaining("certificate");
    assertThatThrownBy(() -> factory.build(new Certificate("ns/nokey", List.of(), ecCert.certificateChainPem(), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), s))
        .isInstanceOf(TlsContextException.class).hasMessageContaining("ns/nokey").hasMessageContaining("private key");
    assertThatThrownBy(() -> factory.build(new Certificate("ns/empty-key", List.of(), ecCert.certificateChainPem(), ""), s))
        .isInstanceOf(TlsContextException.class).hasMessageContaining("no private key");
    assertThatThrownBy(() -> factory.build(new Certificate("ns/mismatch", List.of(), ecCert.certificateChainPem(), rsaCert.privateKeyPem()), s))
        .isInstanceOf(TlsContextException.class).hasMessageContaining("ns/mismatch").hasMessageContaining("does not match");
    TlsSettings badCipher = TlsSettings.builder().cipherSuites(List.of("TLS_NO_SUCH_CIPHER")).build();
    assertThatThrownBy(() -> factory.build(ecCert, badCipher))
        .isInstanceOf(TlsContextException.class).hasMessageContaining(ecCert.name());
  }

  @Test
  void sameInputsReuseTheSameContextAndRetainOnlyForgetsTheRest() throws Exception {
    TlsContextFactory factory = factory(Provider.OPENSSL);
    SslContext a = factory.build(ecCert, TlsSettings.defaults());
    Certificate renamedCopy = new Certificate("other/name", List.of("x.test"), ecCert.certificateChainPem(), ecCert.privateKeyPem());
    assertThat(factory.build(renamedCopy, TlsSettings.defaults())).isSameAs(a);
    SslContext tls13 = factory.build(ecCert, TlsSettings.builder().minimumVersion(TlsVersion.TLS_1_3).build());
    assertThat(tls13).isNotSameAs(a);
    SslContext rsa = factory.build(rsaCert, TlsSettings.defaults());
    assertThat(factory.cachedContexts()).isEqualTo(3);
    factory.retainOnly(List.of(a));
    assertThat(factory.cachedContexts()).isEqualTo(1);
    assertThat(factory.build(ecCert, TlsSettings.defaults())).isSameAs(a);
    assertThat(factory.build(rsaCert, TlsSettings.defaults())).isNotSameAs(rsa);
  }

  @Test
  void sessionsAreResumedWithOpensslClient() throws Exception {
    assumeTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/openssl")));
    SslContext ctx = factory(Provider.OPENSSL).build(ecCert, TlsSettings.defaults());
    try (TlsTestServer server = serve(ctx)) {
      java.nio.file.Path session = java.nio.file.Files.createTempFile("sluice-session", ".pem");
      try {
        for (String version : List.of("-tls1_2", "-tls1_3")) {
          // -reconnect does not wait for TLS 1.3's post-handshake tickets, so save and reuse one
          String first = sClient(server.port(), version, "-sess_out", session.toString());
          assertThat(first).as(version).contains("New, TLSv1.");
          String second = sClient(server.port(), version, "-sess_in", session.toString());
          assertThat(second).as(version).contains("Reused, TLSv1.");
        }
      } finally {
        java.nio.file.Files.deleteIfExists(session);
      }
    }
  }

  private static String sClient(int port, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect",
        "127.0.0.1:" + port, "-servername", "app.example.test", "-ign_eof"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}

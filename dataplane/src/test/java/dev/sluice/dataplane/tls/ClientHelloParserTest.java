package dev.sluice.dataplane.tls;

import static dev.sluice.dataplane.tls.ClientHellos.alpn;
import static dev.sluice.dataplane.tls.ClientHellos.body;
import static dev.sluice.dataplane.tls.ClientHellos.extension;
import static dev.sluice.dataplane.tls.ClientHellos.sni;
import static dev.sluice.dataplane.tls.ClientHellos.supportedVersions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClientHelloParserTest {

  @Test
  void parsesSniAndAlpnFromJdkClientHello() throws Exception {
    byte[] records = ClientHellos.fromJdk("App.Example.test", List.of("h2", "http/1.1"));
    ClientHelloInfo info = ClientHelloParser.parse(ClientHellos.body(records));
    assertThat(info.serverName()).isEqualTo("app.example.test");
    assertThat(info.alpnProtocols()).containsExactly("h2", "http/1.1");
    assertThat(info.legacyVersion()).isEqualTo(ClientHelloInfo.TLS_1_2);
    assertThat(info.highestVersion()).isEqualTo(ClientHelloInfo.TLS_1_3);
  }

  @Test
  void parsesSniAndAlpnFromBoringSslClientHello() throws Exception {
    assumeTrue(OpenSsl.isAvailable());
    byte[] records =
        ClientHellos.fromNetty(SslProvider.OPENSSL, "pass.example.test", List.of("acme-tls/1"));
    ClientHelloInfo info = ClientHelloParser.parse(ClientHellos.body(records));
    assertThat(info.serverName()).isEqualTo("pass.example.test");
    assertThat(info.alpnProtocols()).containsExactly("acme-tls/1");
    assertThat(info.offersAlpn("acme-tls/1")).isTrue();
  }

  @Test
  void parsesClientHelloOfOpensslSClient() throws Exception {
    byte[] records = OpensslClient.captureClientHello("x.example.test", "h2,http/1.1");
    assumeTrue(records != null, "openssl not installed");
    ClientHelloInfo info = ClientHelloParser.parse(ClientHellos.body(records));
    assertThat(info.serverName()).isEqualTo("x.example.test");
    assertThat(info.alpnProtocols()).containsExactly("h2", "http/1.1");
  }

  @Test
  void noSniGivesNullServerName() throws Exception {
    byte[] records = ClientHellos.fromJdk(null, List.of("http/1.1"));
    assertThat(ClientHelloParser.parse(ClientHellos.body(records)).serverName()).isNull();
  }

  @Test
  void greaseVersionsAreIgnored() {
    ClientHelloInfo info =
        ClientHelloParser.parse(body(0x0303, supportedVersions(0x3a3a, 0x0304, 0x0303)));
    assertThat(info.supportedVersions()).containsExactly(0x0304, 0x0303);
    assertThat(info.highestVersion()).isEqualTo(0x0304);
  }

  @Test
  void sslv3HelloWithoutExtensionsParses() {
    ClientHelloInfo info = ClientHelloParser.parse(body(0x0300));
    assertThat(info.serverName()).isNull();
    assertThat(info.highestVersion()).isEqualTo(ClientHelloInfo.SSL_3_0);
  }

  @Test
  void serverNameOf255BytesIsAcceptedAnd256IsRefused() {
    String ok = label(63) + "." + label(63) + "." + label(63) + "." + label(63); // 255
    assertThat(ClientHelloParser.parse(body(0x0303, sni(ok))).serverName()).isEqualTo(ok);
    String tooLong = ok + "a"; // 256, last label 64
    assertInvalidServerName(body(0x0303, sni(tooLong)));
    assertInvalidServerName(body(0x0303, sni(label(300))));
  }

  @Test
  void invalidServerNamesAreRefused() {
    for (String bad :
        List.of("a_b.test", "a b.test", "a..test", ".a.test", "a.test.", "ä.test", "a/b", "")) {
      assertInvalidServerName(body(0x0303, sni(bad.getBytes(StandardCharsets.UTF_8))));
    }
    assertInvalidServerName(body(0x0303, sni(new byte[] {'a', 0, 'b'})));
  }

  @Test
  void malformedStructuresAreRefusedWithAClearMessage() {
    byte[] good = body(0x0303, sni("a.test"), alpn("h2"));
    // every truncation of a valid hello is malformed, never an IndexOutOfBounds
    for (int n = 0; n < good.length; n++) {
      byte[] cut = Arrays.copyOf(good, n);
      if (n == 41) {
        continue; // ends right after compression methods: a valid extension-less hello
      }
      assertThatThrownBy(() -> ClientHelloParser.parse(cut))
          .as("truncated to %d", n)
          .isInstanceOf(MalformedClientHelloException.class);
    }
    assertMalformed(body(0x0303, sni("a.test"), sni("b.test")), "duplicate server_name");
    assertMalformed(body(0x0303, alpn("h2"), alpn("h2")), "duplicate");
    assertMalformed(body(0x0303, extension(16, new byte[] {0, 0})), "empty ALPN");
    assertMalformed(body(0x0303, extension(16, new byte[] {0, 1, 0})), "empty ALPN protocol");
    assertMalformed(body(0x0303, extension(43, new byte[] {3, 3, 4, 3})), "supported_versions");
    byte[] trailing = Arrays.copyOf(good, good.length + 1);
    assertMalformed(trailing, "extensions length");
  }

  private static void assertMalformed(byte[] body, String message) {
    assertThatThrownBy(() -> ClientHelloParser.parse(body))
        .isInstanceOf(MalformedClientHelloException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((MalformedClientHelloException) e).invalidServerName()).isFalse());
  }

  private static void assertInvalidServerName(byte[] body) {
    assertThatThrownBy(() -> ClientHelloParser.parse(body))
        .isInstanceOf(MalformedClientHelloException.class)
        .satisfies(e -> assertThat(((MalformedClientHelloException) e).invalidServerName()).isTrue());
  }

  private static String label(int n) {
    return "a".repeat(n);
  }

  /** Runs {@code openssl s_client} against a socket that records the first bytes and closes. */
  static final class OpensslClient {
    static byte[] captureClientHello(String sni, String alpn) throws Exception {
      if (!Files.isExecutable(Path.of("/usr/bin/openssl"))) {
        return null;
      }
      try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        Process p =
            new ProcessBuilder(
                    "openssl", "s_client", "-connect", "127.0.0.1:" + server.getLocalPort(),
                    "-servername", sni, "-alpn", alpn)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (Socket s = server.accept()) {
          s.setSoTimeout(5000);
          InputStream in = s.getInputStream();
          byte[] header = in.readNBytes(5);
          int len = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
          byte[] payload = in.readNBytes(len);
          byte[] all = Arrays.copyOf(header, 5 + len);
          System.arraycopy(payload, 0, all, 5, len);
          return all;
        } finally {
          p.getOutputStream().close();
          if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
      }
    }
  }
}

package dev.sluice.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.controller.cluster.ClusterSettings;
import dev.sluice.dataplane.http.TrustedProxies;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FlagsTest {

  @Test
  void defaultsMatchServerSettings() throws Exception {
    Flags f = Flags.parse("--manifests", "examples");
    assertThat(f.manifests()).isEqualTo(Path.of("examples"));
    assertThat(f.help()).isFalse();
    assertThat(f.ingressClass()).isEqualTo("sluice");
    ServerSettings s = f.serverSettings();
    assertThat(s.bindAddress()).isEqualTo("0.0.0.0");
    assertThat(s.httpPort()).isEqualTo(8080);
    assertThat(s.httpsPort()).isEqualTo(8443);
    assertThat(s.adminPort()).isEqualTo(9090);
    assertThat(s.transport()).isEqualTo(Transport.AUTO);
    assertThat(s.trustedProxies()).isEqualTo(TrustedProxies.none());
  }

  @Test
  void everyFlagInBothSpellings() throws Exception {
    Flags f =
        Flags.parse(
            "--manifests=/srv/m", "--bind", "127.0.0.1", "--http-port=80", "--https-port", "443",
            "--admin-port=0", "--transport", "io_uring", "--trusted-proxies=2",
            "--ingress-class", "edge");
    assertThat(f)
        .isEqualTo(
            new Flags(Path.of("/srv/m"), "127.0.0.1", 80, 443, 0, Transport.IO_URING,
                new TrustedProxies.HopCount(2), "edge", Flags.Https.defaults(),
                Flags.Cluster.defaults(), false));
  }

  @Test
  void tlsAndProxyProtocolFlags() throws Exception {
    Flags f =
        Flags.parse(
            "--manifests", "m", "--tls-min-version", "1.3",
            "--tls-ciphers", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "--default-certificate-file=/etc/sluice/tls.crt,/etc/sluice/tls.key",
            "--proxy-protocol", "--proxy-protocol-trusted", "10.0.0.0/8,192.168.1.1",
            "--tls-handshake-timeout=2500ms");
    assertThat(f.tlsSettings().minimumVersion()).isEqualTo(dev.sluice.dataplane.tls.TlsVersion.TLS_1_3);
    assertThat(f.tlsSettings().cipherSuites())
        .containsExactly("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    assertThat(f.tlsSettings().alpnProtocols()).containsExactly("h2", "http/1.1");
    assertThat(f.https().defaultCertificate()).isEqualTo(Path.of("/etc/sluice/tls.crt"));
    assertThat(f.https().defaultKey()).isEqualTo(Path.of("/etc/sluice/tls.key"));
    ServerSettings s = f.serverSettings();
    assertThat(s.proxyProtocol().required()).isTrue();
    assertThat(s.proxyProtocol().trustedCidrs()).containsExactly("10.0.0.0/8", "192.168.1.1");
    assertThat(s.tlsHandshakeTimeout()).isEqualTo(java.time.Duration.ofMillis(2500));
  }

  @Test
  void tlsDefaults() throws Exception {
    Flags f = Flags.parse("--manifests", "m");
    assertThat(f.tlsSettings().minimumVersion()).isEqualTo(dev.sluice.dataplane.tls.TlsVersion.TLS_1_2);
    assertThat(f.https().defaultCertificate()).isNull();
    assertThat(f.serverSettings().proxyProtocol().required()).isFalse();
    assertThat(f.serverSettings().tlsHandshakeTimeout()).isEqualTo(java.time.Duration.ofSeconds(10));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--tls-min-version=1.1|--tls-min-version must be 1.2 or 1.3",
        "--tls-ciphers=AES 128|--tls-ciphers: invalid cipher suite name",
        "--default-certificate-file=a.crt|needs two files, CRT,KEY",
        "--tls-handshake-timeout=0s|must be a positive duration",
        "--tls-handshake-timeout=soon|must be a positive duration",
        "--proxy-protocol|--proxy-protocol needs --proxy-protocol-trusted",
        "--proxy-protocol-trusted=10.0.0.0/8|--proxy-protocol-trusted needs --proxy-protocol",
        "--proxy-protocol=maybe|takes no value",
      })
  void badTlsFlagsSayWhy(String flag, String message) {
    assertThatThrownBy(() -> Flags.parse("--manifests", "m", flag))
        .isInstanceOf(Flags.UsageException.class)
        .hasMessageContaining(message);
  }

  @Test
  void proxyProtocolSwitchDoesNotEatTheNextFlag() throws Exception {
    Flags f = Flags.parse("--proxy-protocol", "--proxy-protocol-trusted", "127.0.0.1", "--manifests", "m");
    assertThat(f.manifests()).isEqualTo(Path.of("m"));
    assertThat(f.serverSettings().proxyProtocol().required()).isTrue();
  }

  @Test
  void clusterFlags() throws Exception {
    Flags f =
        Flags.parse(
            "--kubeconfig", "/k/config", "--watch-namespace", "a, b", "--publish-service=sys/edge",
            "--controller-name", "example.com/x", "--debounce", "250ms",
            "--leader-election-namespace", "sys", "--leader-election-id", "lead", "--ingress-class",
            "edge");
    assertThat(f.manifests()).isNull();
    assertThat(f.cluster())
        .isEqualTo(new Flags.Cluster(Path.of("/k/config"), Set.of("a", "b"), "sys/edge", null,
            "example.com/x", Duration.ofMillis(250), "sys", "lead"));
    ClusterSettings s = f.clusterSettings();
    assertThat(s.ingressClass()).isEqualTo("edge");
    assertThat(s.translatorSettings().controllerName()).isEqualTo("example.com/x");
    assertThat(s.translatorSettings().standalone()).isFalse();
    assertThat(s.leaseName()).isEqualTo("lead");
  }

  @Test
  void clusterDefaults() throws Exception {
    ClusterSettings s = Flags.parse().clusterSettings();
    assertThat(s.kubeconfig()).isNull();
    assertThat(s.watchNamespaces()).isEmpty();
    assertThat(s.controllerName()).isEqualTo("sluice.dev/ingress-controller");
    assertThat(s.debounce()).isEqualTo(Duration.ofMillis(100));
    assertThat(s.maxDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.leaseName()).isEqualTo("sluice-leader");
    assertThat(s.leaseNamespace()).isNull();
    assertThat(s.exitOnStopLeading()).isTrue();
  }

  @Test
  void badClusterFlagsSayWhy() {
    assertThatThrownBy(() -> Flags.parse("--publish-service", "edge"))
        .hasMessageContaining("NAMESPACE/NAME");
    assertThatThrownBy(() -> Flags.parse("--publish-service", "a/b", "--publish-address", "1.2.3.4"))
        .hasMessageContaining("exclude each other");
    assertThatThrownBy(() -> Flags.parse("--watch-namespace", "Bad_NS"))
        .hasMessageContaining("not a valid Kubernetes name");
    assertThatThrownBy(() -> Flags.parse("--debounce", "soon")).hasMessageContaining("--debounce");
    assertThatThrownBy(() -> Flags.parse("--debounce", "1m")).hasMessageContaining("up to 10s");
  }

  @Test
  void trustedProxiesAcceptFalseHopsAndCidrs() throws Exception {
    assertThat(Flags.parse("--trusted-proxies", "false").trustedProxies()).isEqualTo(TrustedProxies.none());
    assertThat(Flags.parse("--trusted-proxies", "10.0.0.0/8, fd00::/8").trustedProxies())
        .isEqualTo(new TrustedProxies.Cidrs(List.of("10.0.0.0/8", "fd00::/8")));
  }

  @Test
  void transportNamesAreCaseInsensitive() throws Exception {
    assertThat(Flags.parse("--transport", "EPOLL").transport()).isEqualTo(Transport.EPOLL);
    assertThat(Flags.parse("--transport", "nio").transport()).isEqualTo(Transport.NIO);
  }

  @Test
  void helpAfterValidFlagsAsksForHelp() throws Exception {
    assertThat(Flags.parse("--http-port", "81", "--help").help()).isTrue();
    assertThat(Flags.parse("-h").help()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--nope x               | unknown flag --nope",
        "--http-port            | --http-port needs a value",
        "--http-port 70000      | --http-port must be a port number 0..65535, not \"70000\"",
        "--https-port abc       | --https-port must be a port number",
        "--transport kqueue     | --transport must be auto, epoll, io_uring or nio",
        "--trusted-proxies yes  | --trusted-proxies: invalid trusted proxy entry 'yes'",
        "--trusted-proxies 10.0.0.0/33 | --trusted-proxies: invalid trusted proxy entry '10.0.0.0/33'",
        "stray                  | unexpected argument \"stray\"",
        "--bind a --bind b      | --bind given twice",
        "--http-port 9090       | must differ",
      })
  void badCommandLinesSayWhatIsWrong(String args, String message) {
    assertThatThrownBy(() -> Flags.parse(args.trim().split(" +")))
        .isInstanceOf(Flags.UsageException.class)
        .hasMessageContaining(message.trim());
  }
}

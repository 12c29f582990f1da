package dev.sluice.dataplane.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.dataplane.snapshot.BackendGroup.LoadBalancing;
import dev.sluice.dataplane.snapshot.BackendGroup.UpstreamProtocol;
import dev.sluice.dataplane.snapshot.HttpRoute.PathType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotJsonTest {

  private static String resource(String name) throws IOException {
    try (InputStream in = SnapshotJsonTest.class.getResourceAsStream("/snapshot/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  @Test
  void emptySnapshotRendersEmptyLists() {
    assertThat(SnapshotJson.render(Snapshot.empty()))
        .isEqualTo(
            """
            {
              "version": 0,
              "builtAt": "1970-01-01T00:00:00Z",
              "virtualHosts": [],
              "passthrough": [],
              "certificates": []
            }
            """);
  }

  @Test
  void rendersEveryPartInFixedKeyOrderAndNeverThePrivateKey() throws IOException {
    String chain = resource("example-net.crt");
    String key = resource("example-net.key");
    BackendGroup web =
        new BackendGroup(
            "default/web:80",
            List.of(new Endpoint("10.0.0.1", 8080, 1, true), new Endpoint("fd00::2", 8080, 3, false)),
            LoadBalancing.ROUND_ROBIN,
            UpstreamProtocol.HTTP);
    Snapshot s =
        new Snapshot(
            7,
            Instant.parse("2026-01-02T03:04:05Z"),
            List.of(
                new VirtualHost(
                    "App.Example.org",
                    List.of(
                        new HttpRoute(
                            "default/web#0/prefix:/", PathType.PREFIX, "/", web, RoutePolicy.DEFAULT)))),
            List.of(
                new PassthroughRoute(
                    "default/db",
                    List.of("db.example.org"),
                    new BackendGroup(
                        "default/db",
                        List.of(Endpoint.of("10.0.0.9", 5432)),
                        LoadBalancing.ROUND_ROBIN,
                        UpstreamProtocol.HTTPS),
                    PassthroughRoute.ProxyProtocol.V2,
                    Duration.ofMillis(1500),
                    Duration.ofMinutes(90))),
            List.of(new Certificate("default/net-tls", List.of("*.example.net"), chain, key)));

    String json = SnapshotJson.render(s);

    assertThat(json)
        .startsWith(
            """
            {
              "version": 7,
              "builtAt": "2026-01-02T03:04:05Z",
              "virtualHosts": [
                {
                  "hostname": "app.example.org",
                  "routes": [
                    {
                      "name": "default/web#0/prefix:/",
                      "pathType": "PREFIX",
                      "path": "/",
                      "backend": {
                        "name": "default/web:80",
                        "loadBalancing": "ROUND_ROBIN",
                        "protocol": "HTTP",
                        "endpoints": [
                          {
                            "address": "10.0.0.1",
                            "port": 8080,
                            "weight": 1,
                            "ready": true
                          },
                          {
                            "address": "fd00::2",
                            "port": 8080,
                            "weight": 3,
                            "ready": false
                          }
                        ]
                      },
                      "policy": {
                        "connectTimeout": "5s",
                        "responseHeaderTimeout": "1m",
                        "upgradedIdleTimeout": "1h",
                        "sslRedirect": false,
                        "hsts": "max-age=31536000; includeSubDomains"
                      }
                    }
                  ]
                }
              ],
              "passthrough": [
                {
                  "name": "default/db",
                  "hostnames": [
                    "db.example.org"
                  ],
                  "proxyProtocol": "V2",
                  "connectTimeout": "1s500ms",
                  "idleTimeout": "1h30m",
            """)
        .contains("      \"name\": \"default/net-tls\",\n      \"hostnames\": [\n        \"*.example.net\"\n      ],")
        .contains("\"subject\": \"CN=*.example.net\",\n      \"dnsNames\": [\n        \"*.example.net\"\n      ],")
        .containsPattern("\"notAfter\": \"21\\d\\d-[0-9-]+T[0-9:]+Z\"")
        .contains("\"chainSha256\": \"")
        .doesNotContain("PRIVATE")
        .doesNotContain(key.lines().skip(1).findFirst().orElseThrow())
        .endsWith("  ]\n}\n");
    assertThat(SnapshotJson.render(s)).as("stable").isEqualTo(json);
  }

  @Test
  void certificateThatDoesNotParseShowsNullSubject() {
    Snapshot s =
        new Snapshot(
            1,
            Instant.EPOCH,
            List.of(),
            List.of(),
            List.of(new Certificate("default/bad", List.of("a.example"), "not a pem", "secret-key")));
    assertThat(SnapshotJson.render(s))
        .contains("\"subject\": null")
        .contains("\"notAfter\": null")
        .doesNotContain("secret-key");
  }

  @Test
  void quotesEscapeControlCharactersAndQuotes() {
    assertThat(SnapshotJson.quote("a\"b\\c\nd\u0001")).isEqualTo("\"a\\\"b\\\\c\\nd\\u0001\"");
  }

  @Test
  void durationsPrintLikeTheyAreWritten() {
    assertThat(SnapshotJson.duration(Duration.ofSeconds(5))).isEqualTo("5s");
    assertThat(SnapshotJson.duration(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(SnapshotJson.duration(Duration.ofMinutes(61))).isEqualTo("1h1m");
    assertThat(SnapshotJson.duration(Duration.ofHours(48))).isEqualTo("48h");
    assertThat(SnapshotJson.duration(Duration.ZERO)).isEqualTo("0s");
  }
}

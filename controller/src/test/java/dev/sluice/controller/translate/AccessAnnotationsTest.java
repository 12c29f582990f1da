package dev.sluice.controller.translate;

import static dev.sluice.controller.translate.PolicyManifests.ingress;
import static dev.sluice.controller.translate.PolicyManifests.route;
import static dev.sluice.controller.translate.PolicyManifests.translate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.AccessPolicy;
import dev.sluice.dataplane.snapshot.AccessPolicy.RateLimits;
import dev.sluice.dataplane.snapshot.SnapshotJson;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The access-control annotations: parsing, refusals naming key and value, and real requests. */
class AccessAnnotationsTest {
  // openssl passwd -apr1 -salt Wf3Qx1aB apr-pass
  static final String APR1 = "$apr1$Wf3Qx1aB$9v824lVvylTPI/R1scMFZ/";
  static final String SHA = "{SHA}xO2etOilyqtV8o1RvvnmkeBx7QI="; // "sha-pass"

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  static String authFileSecret(String name, String htpasswd) {
    return """
        apiVersion: v1
        kind: Secret
        metadata: {name: %s, namespace: default}
        type: Opaque
        data: {auth: %s}
        """
        .formatted(name, b64(htpasswd));
  }

  static AccessPolicy access(Map<String, String> annotations, boolean nginx, String... extra) {
    Translation t = translate(ingress(annotations, 80, false, extra), nginx);
    assertThat(t.problems()).isEmpty();
    return route(t).policy().access();
  }

  static ResourceProblem refused(Map<String, String> annotations, String... extra) {
    Translation t = translate(ingress(annotations, 80, false, extra), true);
    assertThat(PolicyManifests.routes(t.snapshot())).isEmpty();
    assertThat(t.problems()).hasSize(1);
    return t.problems().get(0);
  }

  @Test
  void sourceRangesAreReadUnderSluiceAndIngressNginxNames() {
    AccessPolicy own =
        access(Map.of("sluice.dev/allow-source-range", "10.0.0.0/8, 2001:db8::/32",
            "sluice.dev/deny-source-range", "10.1.0.0/16"), false);
    assertThat(own.sourceRanges().allow()).containsExactly("10.0.0.0/8", "2001:db8::/32");
    assertThat(own.sourceRanges().deny()).containsExactly("10.1.0.0/16");

    for (String nginxName :
        new String[] {"whitelist-source-range", "allowlist-source-range", "allow-source-range"}) {
      AccessPolicy a =
          access(Map.of("nginx.ingress.kubernetes.io/" + nginxName, "192.168.0.0/16"), true);
      assertThat(a.sourceRanges().allow()).containsExactly("192.168.0.0/16");
    }
    assertThat(access(Map.of("nginx.ingress.kubernetes.io/denylist-source-range", "1.2.3.4"), true)
            .sourceRanges().deny())
        .containsExactly("1.2.3.4");
    assertThat(access(Map.of(), false).isNone()).isTrue();
  }

  @Test
  void anInvalidRangeLeavesTheIngressOutNamingKeyAndValue() {
    ResourceProblem p =
        refused(Map.of("nginx.ingress.kubernetes.io/whitelist-source-range", "10.0.0.0/8,10.0.0.0/33"));
    assertThat(p.reason()).isEqualTo(Reason.InvalidSpec);
    assertThat(p.message())
        .contains("nginx.ingress.kubernetes.io/whitelist-source-range", "\"10.0.0.0/8,10.0.0.0/33\"",
            "10.0.0.0/33", "not served");
    assertThat(refused(Map.of("sluice.dev/deny-source-range", "example.org")).message())
        .contains("sluice.dev/deny-source-range", "example.org");
    assertThat(refused(Map.of("sluice.dev/deny-source-range", " , ")).message())
        .contains("at least one CIDR");
  }

  @Test
  void basicAuthReadsAnHtpasswdSecretOrAnAuthMapAndNeverShowsTheHashes() {
    Translation t =
        translate(
            ingress(
                Map.of("sluice.dev/auth-type", "basic", "sluice.dev/auth-secret", "users",
                    "sluice.dev/auth-realm", "Staff"),
                80, false, authFileSecret("users", "bob:" + APR1 + "\ncarol:" + SHA + "\n")),
            false);
    assertThat(t.problems()).isEmpty();
    AccessPolicy.BasicAuth b = route(t).policy().access().basicAuth();
    assertThat(b.realm()).isEqualTo("Staff");
    assertThat(b.users()).containsOnlyKeys("bob", "carol");
    String json = SnapshotJson.render(t.snapshot());
    assertThat(json).contains("\"basicAuth\"", "\"users\": 2").doesNotContain("apr1", "SHA");

    String authMap =
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: map, namespace: default}
        type: Opaque
        data: {bob: %s}
        """.formatted(b64(APR1));
    AccessPolicy m =
        access(Map.of("nginx.ingress.kubernetes.io/auth-type", "basic",
            "nginx.ingress.kubernetes.io/auth-secret", "default/map",
            "nginx.ingress.kubernetes.io/auth-secret-type", "auth-map"), true, authMap);
    assertThat(m.basicAuth().users()).containsOnlyKeys("bob");
    assertThat(m.basicAuth().realm()).isEqualTo(AccessAnnotations.DEFAULT_REALM);
  }

  @Test
  void basicAuthRefusals() {
    ResourceProblem missing =
        refused(Map.of("sluice.dev/auth-type", "basic", "sluice.dev/auth-secret", "nope"));
    assertThat(missing.reason()).isEqualTo(Reason.SecretNotFound);
    assertThat(missing.message()).contains("sluice.dev/auth-secret", "\"nope\"", "default/nope");

    assertThat(refused(Map.of("sluice.dev/auth-type", "digest", "sluice.dev/auth-secret", "u"))
            .message())
        .contains("sluice.dev/auth-type", "\"digest\"");
    assertThat(refused(Map.of("sluice.dev/auth-type", "basic")).message())
        .contains("needs auth-secret");
    assertThat(refused(Map.of("sluice.dev/auth-secret", "u")).message())
        .contains("needs auth-type");
    assertThat(refused(Map.of("sluice.dev/auth-type", "basic", "sluice.dev/auth-secret",
                "other/users")).message())
        .contains("namespace \"default\"");
    ResourceProblem plain =
        refused(Map.of("sluice.dev/auth-type", "basic", "sluice.dev/auth-secret", "users"),
            authFileSecret("users", "bob:hunter2\n"));
    assertThat(plain.message()).contains("sluice.dev/auth-secret", "line 1", "bob")
        .doesNotContain("hunter2");
    assertThat(refused(Map.of("sluice.dev/auth-type", "basic", "sluice.dev/auth-secret", "users",
                "sluice.dev/auth-secret-type", "ldap"), authFileSecret("users", "bob:" + APR1))
            .message())
        .contains("sluice.dev/auth-secret-type", "\"ldap\"");
  }

  @Test
  void externalAuthIsReadAndBadUrlsAreRefused() {
    AccessPolicy a =
        access(Map.of("nginx.ingress.kubernetes.io/auth-url", "http://auth.auth.svc:4180/oauth2/auth",
            "nginx.ingress.kubernetes.io/auth-response-headers", "X-Auth-Request-User, X-Auth-Request-Email",
            "nginx.ingress.kubernetes.io/auth-signin", "https://auth.example.org/oauth2/start",
            "nginx.ingress.kubernetes.io/auth-method", "post"), true);
    assertThat(a.externalAuth().url().toString()).isEqualTo("http://auth.auth.svc:4180/oauth2/auth");
    assertThat(a.externalAuth().method()).isEqualTo("POST");
    assertThat(a.externalAuth().responseHeaders())
        .containsExactly("X-Auth-Request-User", "X-Auth-Request-Email");
    assertThat(a.externalAuth().signin()).isEqualTo("https://auth.example.org/oauth2/start");

    assertThat(refused(Map.of("sluice.dev/auth-url", "https://$host/oauth2/auth")).message())
        .contains("sluice.dev/auth-url", "$host");
    AccessPolicy.ExternalAuth https =
        access(Map.of("sluice.dev/auth-url", "https://auth.example.org/check"), false).externalAuth();
    assertThat(https.tls().verify()).isTrue();
    assertThat(https.tls().serverName()).isEqualTo("auth.example.org");
    assertThat(https.endpoint().port()).isEqualTo(443);
    assertThat(refused(Map.of("sluice.dev/auth-url", "ftp://auth.example.org/check")).message())
        .contains("sluice.dev/auth-url", "http(s)://");
    assertThat(refused(Map.of("sluice.dev/auth-url", "http://a.test/x",
            "sluice.dev/auth-response-headers", "X-Ok, Bad Header")).message())
        .contains("sluice.dev/auth-response-headers");
    assertThat(refused(Map.of("sluice.dev/auth-url", "http://a.test/x",
            "sluice.dev/auth-method", "GE T")).message())
        .contains("sluice.dev/auth-method");
  }

  @Test
  void authCacheIsReadWithIngressNginxDefaultsAndBadValuesRefused() {
    AccessPolicy.AuthCache c =
        access(Map.of("nginx.ingress.kubernetes.io/auth-url", "http://auth.test/check",
            "nginx.ingress.kubernetes.io/auth-cache-key", "$remote_user$http_authorization"), true)
            .externalAuth().cache();
    assertThat(c.key()).isEqualTo("$remote_user$http_authorization");
    assertThat(c.statuses()).containsExactly(200, 202, 401);
    assertThat(c.ttl()).hasMinutes(5);
    AccessPolicy.AuthCache d =
        access(Map.of("sluice.dev/auth-url", "http://auth.test/check",
            "sluice.dev/auth-cache-key", "$cookie_session",
            "sluice.dev/auth-cache-duration", "200 30s"), false).externalAuth().cache();
    assertThat(d.statuses()).containsExactly(200);
    assertThat(d.ttl()).hasSeconds(30);

    assertThat(refused(Map.of("sluice.dev/auth-url", "http://a.test/x",
            "sluice.dev/auth-cache-key", "$server_name")).message())
        .contains("sluice.dev/auth-cache-key", "$server_name");
    assertThat(refused(Map.of("sluice.dev/auth-url", "http://a.test/x",
            "sluice.dev/auth-cache-key", "$http_authorization",
            "sluice.dev/auth-cache-duration", "200 5 minutes")).message())
        .contains("sluice.dev/auth-cache-duration", "\"200 5 minutes\"");
    assertThat(refused(Map.of("sluice.dev/auth-url", "http://a.test/x",
            "sluice.dev/auth-cache-key", "$http_authorization",
            "sluice.dev/auth-cache-duration", "500 5m")).message())
        .contains("sluice.dev/auth-cache-duration", "500");
  }

  @Test
  void rateLimitsAreReadWithTheDefaultMultiplierAndBadNumbersRefused() {
    assertThat(access(Map.of("nginx.ingress.kubernetes.io/limit-rps", "10",
            "nginx.ingress.kubernetes.io/limit-connections", "3"), true).rateLimits())
        .isEqualTo(new RateLimits(10, 0, 5, 3));
    assertThat(access(Map.of("sluice.dev/limit-rpm", "600",
            "sluice.dev/limit-burst-multiplier", "2"), false).rateLimits())
        .isEqualTo(new RateLimits(0, 600, 2, 0));
    assertThat(access(Map.of("sluice.dev/limit-rps", "0"), false).isNone()).isTrue();
    for (String bad : new String[] {"abc", "-1", "1.5", "2000000", ""}) {
      assertThat(refused(Map.of("sluice.dev/limit-rps", bad)).message())
          .contains("sluice.dev/limit-rps", "\"" + bad + "\"");
    }
    assertThat(refused(Map.of("sluice.dev/limit-rps", "5",
            "sluice.dev/limit-burst-multiplier", "0")).message())
        .contains("sluice.dev/limit-burst-multiplier");
  }

  @Test
  void anHtpasswdSecretProtectsTheTranslatedRouteForRealRequests() throws Exception {
    try (TestBackend backend = TestBackend.start("web");
        TestProxy proxy = TestProxy.start()) {
      Translation t =
          translate(
              ingress(Map.of("sluice.dev/auth-type", "basic", "sluice.dev/auth-secret", "users",
                      "sluice.dev/allow-source-range", "127.0.0.0/8"),
                  backend.port(), false, authFileSecret("users", "bob:" + APR1)),
              false);
      assertThat(t.problems()).isEmpty();
      proxy.publish(t.snapshot());
      try (RawHttp c = RawHttp.connect(proxy.port())) {
        RawHttp.Response denied =
            c.send("GET /echo HTTP/1.1\r\nHost: app.example.org\r\n\r\n").read();
        assertThat(denied.status()).isEqualTo(401);
        assertThat(denied.header("www-authenticate"))
            .isEqualTo("Basic realm=\"" + AccessAnnotations.DEFAULT_REALM + "\"");
        RawHttp.Response ok =
            c.send("GET /echo HTTP/1.1\r\nHost: app.example.org\r\nAuthorization: Basic "
                    + b64("bob:apr-pass") + "\r\n\r\n")
                .read();
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.bodyText()).contains("\"backend\":\"web\"");
      }
    }
  }
}

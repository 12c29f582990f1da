package dev.sluice.controller.translate;

import static dev.sluice.controller.translate.PolicyManifests.ingress;
import static dev.sluice.controller.translate.PolicyManifests.route;
import static dev.sluice.controller.translate.PolicyManifests.translate;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.JwtPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code jwt-*} annotations: parsing, the key Secret's formats, and refused values. */
class JwtAnnotationsTest {
  static final String HMAC = "0123456789abcdef0123456789abcdef";

  static String secret(String name, String field, String value) {
    return """
        apiVersion: v1
        kind: Secret
        metadata: {name: %s, namespace: default}
        type: Opaque
        data: {%s: %s}
        """
        .formatted(name, field, Base64.getEncoder().encodeToString(value.getBytes()));
  }

  static Map<String, String> ann(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put("sluice.dev/" + kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void jwksUrlWithEveryOption() {
    Translation t =
        translate(
            ingress(
                ann("jwt-jwks-url", "https://idp.example.org/.well-known/jwks.json",
                    "jwt-issuer", "https://idp.example.org/", "jwt-audience", "api, web",
                    "jwt-clock-skew", "30", "jwt-claims-to-headers", "sub:X-User, email:X-Email",
                    "jwt-cookie", "session", "jwt-query-param", "access_token"),
                80, false),
            false);
    JwtPolicy p = route(t).policy().jwt();
    assertThat(p.jwksUrl()).isEqualTo(URI.create("https://idp.example.org/.well-known/jwks.json"));
    assertThat(p.issuer()).isEqualTo("https://idp.example.org/");
    assertThat(p.audiences()).containsExactly("api", "web");
    assertThat(p.clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.claimHeaders())
        .containsExactly(new JwtPolicy.ClaimHeader("sub", "X-User"), new JwtPolicy.ClaimHeader("email", "X-Email"));
    assertThat(p.cookie()).isEqualTo("session");
    assertThat(p.queryParam()).isEqualTo("access_token");
    assertThat(t.problems()).isEmpty();
    assertThat(dev.sluice.dataplane.snapshot.SnapshotJson.render(t.snapshot()))
        .contains("\"jwksUrl\": \"https://idp.example.org/.well-known/jwks.json\"");
  }

  @Test
  void secretWithHmacKeyPemAndJwksMergesIntoOneKeySetAndJsonShowsOnlyAFingerprint() throws Exception {
    RSAKey pemKey = new RSAKeyGenerator(2048).generate();
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pemKey.toRSAPublicKey().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    RSAKey jwk = new RSAKeyGenerator(2048).keyID("k1").generate();
    String yaml =
        ingress(ann("jwt-secret", "jwt-keys", "jwt-claims-to-headers", "sub:X-User"), 80, false,
            """
            apiVersion: v1
            kind: Secret
            metadata: {name: jwt-keys, namespace: default}
            type: Opaque
            stringData:
              hmac.key: "%s"
              jwks.json: '%s'
              public.pem: |
            %s
            """.formatted(HMAC, new JWKSet(jwk).toString(false), pem.indent(4).stripTrailing()));
    Translation t = translate(yaml, false);
    JwtPolicy p = route(t).policy().jwt();
    JWKSet set = JWKSet.parse(p.keySet());
    assertThat(set.getKeys()).hasSize(3);
    assertThat(set.getKeys()).noneMatch(k -> k instanceof RSAKey r && r.isPrivate()); // private halves dropped
    assertThat(p.clockSkew()).isEqualTo(JwtPolicy.DEFAULT_CLOCK_SKEW);
    String json = dev.sluice.dataplane.snapshot.SnapshotJson.render(t.snapshot());
    assertThat(json).contains("keySetSha256").doesNotContain(HMAC).doesNotContain("\"kty\"");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "jwt-jwks-url|ftp://idp/jwks|http:// or https://",
        "jwt-jwks-url|https://user:pw@idp/jwks|credentials",
        "jwt-jwks-url|not a url|not a URL",
        "jwt-clock-skew|-5|whole seconds",
        "jwt-clock-skew|soon|whole seconds",
        "jwt-claims-to-headers|sub|claim:Header-Name",
        "jwt-claims-to-headers|sub:Bad Header|claim:Header-Name",
        "jwt-claims-to-headers|sub:Host|cannot be set",
        "jwt-claims-to-headers|sub:X-A, email:x-a|named twice",
        "jwt-cookie|a;b|cookie name",
        "jwt-query-param|a=b|query parameter",
      })
  void invalidValuesLeaveTheIngressOut(String name, String value, String why) {
    Map<String, String> a = ann("jwt-jwks-url", "https://idp.example.org/jwks");
    a.put("sluice.dev/" + name, value);
    Translation t = translate(ingress(a, 80, false), false);
    assertThat(PolicyManifests.routes(t.snapshot())).isEmpty();
    assertThat(t.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("sluice.dev/" + name, why, "not served"));
  }

  @Test
  void badSecretsAreProblems() {
    List<String[]> cases =
        List.of(
            new String[] {"missing", null, "no Secret default/missing"},
            new String[] {"other/keys", null, "namespace"},
            new String[] {"k", secret("k", "hmac.key", "short"), "shorter than 32 bytes"},
            new String[] {"k", secret("k", "jwks.json", "{nope"), "not a JWK set"},
            new String[] {"k", secret("k", "public.pem", "garbage"), "not a PEM public key"},
            new String[] {"k", secret("k", "other", "x"), "has none of"});
    for (String[] c : cases) {
      Translation t =
          c[1] == null
              ? translate(ingress(ann("jwt-secret", c[0]), 80, false), false)
              : translate(ingress(ann("jwt-secret", c[0]), 80, false, c[1]), false);
      assertThat(PolicyManifests.routes(t.snapshot())).as(c[2]).isEmpty();
      assertThat(t.problems()).as(c[2]).singleElement().satisfies(p -> assertThat(p.message()).contains(c[2]));
    }
    Translation missing = translate(ingress(ann("jwt-secret", "missing"), 80, false), false);
    assertThat(missing.problems().get(0).reason()).isEqualTo(Reason.SecretNotFound);
  }

  @Test
  void translatedIngressChecksTokensOnRealRequests() throws Exception {
    try (dev.sluice.testing.TestBackend web = dev.sluice.testing.TestBackend.start("web");
        dev.sluice.testing.TestProxy proxy = dev.sluice.testing.TestProxy.start()) {
      Translation t =
          translate(
              ingress(ann("jwt-secret", "keys", "jwt-claims-to-headers", "sub:X-User"),
                  web.endpoint().port(), false, secret("keys", "hmac.key", HMAC)),
              false);
      proxy.publish(t.snapshot());
      com.nimbusds.jwt.SignedJWT jwt =
          new com.nimbusds.jwt.SignedJWT(
              new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
              new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("alice")
                  .expirationTime(new java.util.Date(System.currentTimeMillis() + 60_000)).build());
      jwt.sign(new com.nimbusds.jose.crypto.MACSigner(HMAC.getBytes()));
      try (dev.sluice.testing.RawHttp c = dev.sluice.testing.RawHttp.connect(proxy.port())) {
        c.send("GET /echo HTTP/1.1\r\nHost: app.example.org\r\nX-User: mallory\r\n\r\n");
        dev.sluice.testing.RawHttp.Response denied = c.read();
        assertThat(denied.status()).isEqualTo(401);
        assertThat(denied.header("www-authenticate")).isEqualTo("Bearer realm=\"sluice\"");
        c.send("GET /echo HTTP/1.1\r\nHost: app.example.org\r\nX-User: mallory\r\n"
            + "Authorization: Bearer " + jwt.serialize() + "\r\n\r\n");
        dev.sluice.testing.RawHttp.Response ok = c.read();
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.bodyText()).contains("\"x-user\":\"alice\"").doesNotContain("mallory");
      }
    }
  }

  @Test
  void settingsWithoutKeysOrBothKeySourcesAreRefused() {
    Translation noKeys = translate(ingress(ann("jwt-issuer", "x"), 80, false), false);
    assertThat(noKeys.problems()).singleElement()
        .satisfies(p -> assertThat(p.message()).contains("sluice.dev/jwt-issuer", "needs"));
    Translation both =
        translate(ingress(ann("jwt-secret", "k", "jwt-jwks-url", "https://idp/jwks"), 80, false,
            secret("k", "hmac.key", HMAC)), false);
    assertThat(both.problems()).singleElement()
        .satisfies(p -> assertThat(p.message()).contains("not both"));
  }
}

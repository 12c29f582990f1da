package dev.sluice.dataplane.policy.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.dataplane.snapshot.JwtPolicy;
import dev.sluice.dataplane.snapshot.JwtPolicy.ClaimHeader;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * JWT validation through real requests: keys generated here, tokens signed here, a real JWKS HTTP
 * server, a real backend that echoes the headers it got, the JDK HTTP and WebSocket clients.
 */
class JwtFilterTest {
  static final String ISS = "https://issuer.test";
  static TestBackend backend;
  static TestProxy proxy;
  static HttpServer jwksServer;
  static final AtomicReference<String> jwksBody = new AtomicReference<>();
  static final AtomicInteger jwksFetches = new AtomicInteger();
  static RSAKey rsa;
  static RSAKey rotated;
  static ECKey ec;
  static OctetSequenceKey hmac;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    rotated = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    hmac = new OctetSequenceKey.Builder(secret).keyID("hs").build();
    jwksBody.set(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
    jwksServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    jwksServer.createContext(
        "/jwks",
        ex -> {
          jwksFetches.incrementAndGet();
          byte[] b = jwksBody.get().getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
          ex.getResponseHeaders().set("Cache-Control", "public, max-age=600");
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    jwksServer.start();
    backend = TestBackend.start("jwt");
    URI jwks = URI.create("http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks");
    JwtPolicy viaUrl =
        new JwtPolicy(null, jwks, ISS, List.of("api", "web"), Duration.ofSeconds(30),
            List.of(new ClaimHeader("sub", "X-User"), new ClaimHeader("email", "X-Email")),
            "session", "access_token");
    JwtPolicy viaSecret =
        new JwtPolicy(new JWKSet(hmac).toString(false), null, null, List.of(), Duration.ZERO,
            List.of(new ClaimHeader("groups", "X-Groups")), null, null);
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    JwtPolicy down =
        new JwtPolicy(null, URI.create("http://127.0.0.1:" + closedPort + "/jwks"), null, List.of(),
            Duration.ZERO, List.of(), null, null);
    proxy = TestProxy.start();
    proxy.publish(
        TestSnapshots.builder()
            .prefix("url.test", "/", RoutePolicy.builder().jwt(viaUrl).build(), backend.endpoint())
            .prefix("hmac.test", "/", RoutePolicy.builder().jwt(viaSecret).build(), backend.endpoint())
            .prefix("down.test", "/", RoutePolicy.builder().jwt(down).build(), backend.endpoint())
            .build());
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
    jwksServer.stop(0);
  }

  static String token(JWSSigner signer, JWSAlgorithm alg, String kid, Consumer<JWTClaimsSet.Builder> claims)
      throws Exception {
    JWTClaimsSet.Builder b =
        new JWTClaimsSet.Builder()
            .issuer(ISS)
            .audience("api")
            .subject("alice")
            .claim("email", "alice@example.test")
            .expirationTime(new Date(System.currentTimeMillis() + 60_000));
    claims.accept(b);
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), b.build());
    jwt.sign(signer);
    return jwt.serialize();
  }

  static String rs256(Consumer<JWTClaimsSet.Builder> claims) throws Exception {
    return token(new RSASSASigner(rsa), JWSAlgorithm.RS256, "rsa-1", claims);
  }

  static HttpResponse<String> get(String host, String path, String... headers) throws Exception {
    // names under .test resolve to 127.0.0.1 (TestResolver); the proxy routes by the Host header
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + proxy.port() + path));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void validRs256TokenPassesAndClaimsBecomeHeadersReplacingClientCopies() throws Exception {
    HttpResponse<String> r =
        get("url.test", "/echo", "Authorization", "Bearer " + rs256(c -> {}),
            "X-User", "mallory", "X-Email", "forged@evil.test");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"x-user\":\"alice\"").contains("alice@example.test")
        .doesNotContain("mallory").doesNotContain("forged@evil.test");
  }

  @Test
  void es256TokenFromTheSameJwksPasses() throws Exception {
    String t = token(new ECDSASigner(ec), JWSAlgorithm.ES256, "ec-1", c -> c.audience(List.of("web")));
    assertThat(get("url.test", "/echo", "Authorization", "Bearer " + t).statusCode()).isEqualTo(200);
  }

  @Test
  void missingTokenIs401WithoutAnErrorCode() throws Exception {
    HttpResponse<String> r = get("url.test", "/echo", "X-User", "mallory");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"sluice\"");
  }

  @Test
  void badTokensAre401InvalidToken() throws Exception {
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    List<String> bad =
        List.of(
            "not.a.jwt",
            rs256(c -> c.expirationTime(new Date(System.currentTimeMillis() - 120_000))),
            rs256(c -> c.notBeforeTime(new Date(System.currentTimeMillis() + 120_000))),
            rs256(c -> c.issuer("https://other.test")),
            rs256(c -> c.audience("elsewhere")),
            token(new RSASSASigner(stranger), JWSAlgorithm.RS256, "rsa-1", c -> {}),
            // an HMAC token "signed" with the public RSA key must not pass (alg confusion)
            token(new MACSigner(rsa.toPublicJWK().toRSAPublicKey().getEncoded()), JWSAlgorithm.HS256,
                "rsa-1", c -> {}));
    for (String t : bad) {
      HttpResponse<String> r = get("url.test", "/echo", "Authorization", "Bearer " + t);
      assertThat(r.statusCode()).as(t).isEqualTo(401);
      assertThat(r.headers().firstValue("www-authenticate").orElseThrow())
          .as(t)
          .startsWith("Bearer realm=\"sluice\", error=\"invalid_token\"");
    }
  }

  @Test
  void expiredWithinClockSkewStillPasses() throws Exception {
    String t = rs256(c -> c.expirationTime(new Date(System.currentTimeMillis() - 10_000)));
    assertThat(get("url.test", "/echo", "Authorization", "Bearer " + t).statusCode()).isEqualTo(200);
  }

  @Test
  void tokenFromCookieOrQueryParameter() throws Exception {
    String t = rs256(c -> {});
    assertThat(get("url.test", "/echo", "Cookie", "a=b; session=" + t).statusCode()).isEqualTo(200);
    assertThat(get("url.test", "/echo?access_token=" + t).statusCode()).isEqualTo(200);
  }

  @Test
  void unknownKidsAreRefusedAndFetchAtMostOnceWithinTheInterval() throws Exception {
    get("url.test", "/echo", "Authorization", "Bearer " + rs256(c -> {})); // keys loaded
    int before = jwksFetches.get();
    for (int i = 0; i < 5; i++) {
      String junk = token(new RSASSASigner(rotated), JWSAlgorithm.RS256, "junk-" + i, c -> {});
      HttpResponse<String> r = get("url.test", "/echo", "Authorization", "Bearer " + junk);
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.headers().firstValue("www-authenticate").orElseThrow()).contains("invalid_token");
    }
    assertThat(jwksFetches.get() - before).isLessThanOrEqualTo(1);
  }

  @Test
  void unreachableJwksIs503WithRetryAfter() throws Exception {
    HttpResponse<String> r = get("down.test", "/echo", "Authorization", "Bearer " + rs256(c -> {}));
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).hasValue("5");
  }

  @Test
  void hmacKeyFromASecretAndListClaimsJoined() throws Exception {
    String t =
        token(new MACSigner(hmac), JWSAlgorithm.HS256, "hs", c -> c.claim("groups", List.of("dev", "ops")));
    HttpResponse<String> r = get("hmac.test", "/echo", "authorization", "bearer " + t);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"x-groups\":\"dev,ops\"");
    assertThat(get("hmac.test", "/echo", "Authorization", "Bearer " + rs256(c -> {})).statusCode())
        .isEqualTo(401);
  }

  @Test
  void webSocketUpgradeBehindJwt() throws Exception {
    URI ws = URI.create("ws://url.test:" + proxy.port() + "/ws");
    CompletableFuture<String> echoed = new CompletableFuture<>();
    WebSocket.Listener listener =
        new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            echoed.complete(data.toString());
            return null;
          }
        };
    WebSocket socket =
        http.newWebSocketBuilder()
            .header("Authorization", "Bearer " + rs256(c -> {}))
            .buildAsync(ws, listener)
            .get(5, TimeUnit.SECONDS);
    socket.sendText("hi", true).get(5, TimeUnit.SECONDS);
    assertThat(echoed.get(5, TimeUnit.SECONDS)).isEqualTo("hi");
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    try {
      http.newWebSocketBuilder().buildAsync(ws, listener).get(5, TimeUnit.SECONDS);
      throw new AssertionError("upgrade without a token was accepted");
    } catch (ExecutionException | CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(java.net.http.WebSocketHandshakeException.class);
      assertThat(((java.net.http.WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
          .isEqualTo(401);
    }
  }
}

package dev.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.testing.TestCa;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 5, the JWT gateway: a WebSocket app ({@link WebSocketHeaderBackend}) behind the packaged
 * Sluice in cluster mode (against {@link MockKubeApi}), whose Ingress asks for a JWT signed by a
 * key of the identity provider's JWK set ({@code sluice.dev/jwt-jwks-url}, served by a small JWKS
 * endpoint in the test), issued by {@value #ISSUER} for the audience {@value #AUDIENCE}, and
 * forwards the token's {@code sub} as {@code X-User} ({@code jwt-claims-to-headers}). A second
 * host takes HS256 tokens checked against a key in a Secret ({@code jwt-secret}). Clients are the
 * JDK's WebSocket client over TLS, sending the token in {@code Authorization: Bearer}.
 */
class JwtGatewayScenarioTest {
  static final String NS = "gateway";
  static final String HOST = "ws.gateway.test";
  static final String HMAC_HOST = "hs.gateway.test";
  static final String ISSUER = "https://idp.gateway.test/";
  static final String AUDIENCE = "chat";
  static final String HMAC_KEY = "a-shared-secret-of-at-least-32-bytes!";

  @TempDir static Path work;
  static TestCa ca;
  static RSAKey idpKey;
  static HttpServer jwks;
  static final AtomicInteger jwksFetches = new AtomicInteger();
  static WebSocketHeaderBackend app;
  static MockKubeApi api;
  static SluiceProcess sluice;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("gateway-ca");
    idpKey = new RSAKeyGenerator(2048).keyID("idp-2024").generate();
    jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    String keySet = new JWKSet(idpKey.toPublicJWK()).toString();
    jwks.createContext("/.well-known/jwks.json", exchange -> {
      jwksFetches.incrementAndGet();
      byte[] body = keySet.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
      exchange.getResponseHeaders().set("Cache-Control", "max-age=300");
      exchange.sendResponseHeaders(200, body.length);
      try (exchange; var out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    jwks.start();
    app = WebSocketHeaderBackend.start();

    api = MockKubeApi.start(work, NS);
    TestCa.Issued cert = ca.issue(HOST, HMAC_HOST);
    api.apply(resources(cert, app.port(), jwks.getAddress().getPort()));
    sluice = SluiceProcess.start(work, "--kubeconfig", api.kubeconfig().toString(),
        "--watch-namespace", NS, "--leader-election-namespace", NS, "--debounce", "50ms",
        "--bind", "127.0.0.1", "--http-port", "0", "--https-port", "0", "--admin-port", "0",
        "--access-log", "stdout");
    http = HttpClient.newBuilder().sslContext(ca.clientContext())
        .connectTimeout(Duration.ofSeconds(5)).build();
    // ready once the caches synced, the snapshot is served and the key set was fetched (503 before)
    within().until(() -> get(HOST, "/ready", valid("probe")).statusCode() == 200);
  }

  @AfterAll
  static void stop() throws Exception {
    if (http != null) http.close();
    int exit = 0;
    if (sluice != null) {
      exit = sluice.stop();
      System.out.println(sluice.log()); // in target/surefire-reports/*-output.txt
    }
    if (api != null) api.close();
    if (app != null) app.close();
    if (jwks != null) jwks.stop(0);
    assertThat(exit).as("exit status after SIGTERM").isEqualTo(143);
  }

  @Test
  void aValidTokenOpensTheWebSocketAndTheAppSeesTheUserFromTheToken() throws Exception {
    int fetchesBefore = jwksFetches.get();
    WebTerminalScenarioTest.Messages messages = new WebTerminalScenarioTest.Messages();
    WebSocket ws = http.newWebSocketBuilder()
        .header("Authorization", "Bearer " + valid("user-42"))
        // a client claiming to be someone else: Sluice drops its copy and sets the token's subject
        .header("X-User", "admin")
        .connectTimeout(Duration.ofSeconds(5))
        .buildAsync(URI.create("wss://" + HOST + ":" + sluice.httpsPort() + "/ws"), messages)
        .get(10, TimeUnit.SECONDS);
    assertThat(messages.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("x-user=user-42");
    for (String text : List.of("hello", "second message", "x".repeat(5000))) {
      ws.sendText(text, true).get(5, TimeUnit.SECONDS);
      assertThat(messages.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:" + text);
    }
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    assertThat(messages.closed.poll(5, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);

    WebSocketHeaderBackend.Seen upgrade = app.requests().stream()
        .filter(s -> s.upgrade() && s.xUser().contains("user-42")).findFirst().orElseThrow();
    assertThat(upgrade.xUser()).containsExactly("user-42");
    // the key set is cached for its max-age, not fetched per request
    assertThat(jwksFetches.get()).isEqualTo(fetchesBefore).isPositive();
  }

  @Test
  void badTokensAreRefusedWith401AndNeverReachTheApp() throws Exception {
    within().until(() -> get(HOST, "/ready", valid("probe")).statusCode() == 200);
    int seenBefore = app.requests().size();

    HttpResponse<?> missing = refusedUpgrade(HOST, null);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().allValues("www-authenticate"))
        .containsExactly("Bearer realm=\"sluice\"");

    Instant now = Instant.now();
    String expired = token(idpKey, "user-42", ISSUER, AUDIENCE,
        now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(10)));
    String wrongIssuer = token(idpKey, "user-42", "https://evil.example/", AUDIENCE,
        now, now.plus(Duration.ofMinutes(10)));
    String wrongAudience = token(idpKey, "user-42", ISSUER, "billing",
        now, now.plus(Duration.ofMinutes(10)));
    // the IdP's key id, but signed with a key the IdP never published
    RSAKey forger = new RSAKeyGenerator(2048).keyID(idpKey.getKeyID()).generate();
    String badSignature = token(forger, "user-42", ISSUER, AUDIENCE,
        now, now.plus(Duration.ofMinutes(10)));
    String garbage = "not.a.jwt";
    for (String bad : List.of(expired, wrongIssuer, wrongAudience, badSignature, garbage)) {
      HttpResponse<?> r = refusedUpgrade(HOST, bad);
      assertThat(r.statusCode()).as(bad).isEqualTo(401);
      assertThat(r.headers().firstValue("www-authenticate")).as(bad).hasValueSatisfying(v ->
          assertThat(v).startsWith("Bearer realm=\"sluice\"").contains("error=\"invalid_token\""));
    }
    // the HS256 route's key is not the IdP's: its tokens do not pass here either
    HttpResponse<?> hsHere = refusedUpgrade(HOST, hmacToken("user-7"));
    assertThat(hsHere.statusCode()).isEqualTo(401);

    assertThat(app.requests()).as("nothing refused reached the app").hasSize(seenBefore);
  }

  @Test
  void theHmacRouteTakesTokensSignedWithTheKeyFromItsSecret() throws Exception {
    within().until(() -> get(HMAC_HOST, "/ready", hmacToken("probe")).statusCode() == 200);
    WebTerminalScenarioTest.Messages messages = new WebTerminalScenarioTest.Messages();
    WebSocket ws = http.newWebSocketBuilder()
        .header("Authorization", "Bearer " + hmacToken("user-7"))
        .connectTimeout(Duration.ofSeconds(5))
        .buildAsync(URI.create("wss://" + HMAC_HOST + ":" + sluice.httpsPort() + "/ws"), messages)
        .get(10, TimeUnit.SECONDS);
    assertThat(messages.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("x-user=user-7");
    ws.sendText("over hmac", true).get(5, TimeUnit.SECONDS);
    assertThat(messages.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("echo:over hmac");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);

    // an RS256 token from the IdP is not accepted with the HMAC key set
    int seenBefore = app.requests().size();
    assertThat(refusedUpgrade(HMAC_HOST, valid("user-42")).statusCode()).isEqualTo(401);
    assertThat(app.requests()).hasSize(seenBefore);
  }

  @Test
  void plainRequestsAreCheckedAndAClientSentUserHeaderIsReplaced() throws Exception {
    HttpResponse<String> ok = get(HOST, "/whoami", valid("user-42"), "X-User", "root");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("x-user=user-42");
    // a token without a sub: the header is absent, and the client's copy is still dropped
    String noSub = token(idpKey, null, ISSUER, AUDIENCE, Instant.now(),
        Instant.now().plus(Duration.ofMinutes(5)));
    HttpResponse<String> anonymous = get(HOST, "/whoami", noSub, "X-User", "root");
    assertThat(anonymous.statusCode()).isEqualTo(200);
    assertThat(anonymous.body()).isEqualTo("x-user=");
    HttpResponse<String> none = get(HOST, "/whoami", null, "X-User", "root");
    assertThat(none.statusCode()).isEqualTo(401);
  }

  // --- clients -----------------------------------------------------------------------------------

  /** Tries a WebSocket upgrade that Sluice must refuse; returns the refusal it answered. */
  static HttpResponse<?> refusedUpgrade(String host, String token) throws Exception {
    WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    Throwable failure = catchThrowable(() -> b.buildAsync(
            URI.create("wss://" + host + ":" + sluice.httpsPort() + "/ws"),
            new WebTerminalScenarioTest.Messages())
        .get(10, TimeUnit.SECONDS));
    Throwable cause = failure instanceof ExecutionException || failure instanceof CompletionException
        ? failure.getCause() : failure;
    assertThat(cause).as("the upgrade must be refused").isInstanceOf(WebSocketHandshakeException.class);
    return ((WebSocketHandshakeException) cause).getResponse();
  }

  static HttpResponse<String> get(String host, String path, String token, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
        URI.create("https://" + host + ":" + sluice.httpsPort() + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static ConditionFactory within() {
    return await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
        .ignoreExceptions();
  }

  // --- tokens ------------------------------------------------------------------------------------

  /** A token the IdP would issue to {@code sub}: RS256, right issuer and audience, 10 minutes. */
  static String valid(String sub) throws Exception {
    Instant now = Instant.now();
    return token(idpKey, sub, ISSUER, AUDIENCE, now, now.plus(Duration.ofMinutes(10)));
  }

  static String token(RSAKey key, String sub, String iss, String aud, Instant iat, Instant exp)
      throws Exception {
    return sign(new RSASSASigner(key), new JWSHeader.Builder(JWSAlgorithm.RS256)
        .keyID(key.getKeyID()).build(), claims(sub, iss, aud, iat, exp));
  }

  static String hmacToken(String sub) throws Exception {
    Instant now = Instant.now();
    return sign(new MACSigner(HMAC_KEY.getBytes(StandardCharsets.UTF_8)),
        new JWSHeader(JWSAlgorithm.HS256), claims(sub, null, null, now, now.plus(Duration.ofMinutes(5))));
  }

  static JWTClaimsSet claims(String sub, String iss, String aud, Instant iat, Instant exp) {
    JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issueTime(Date.from(iat))
        .expirationTime(Date.from(exp));
    if (sub != null) c.subject(sub);
    if (iss != null) c.issuer(iss);
    if (aud != null) c.audience(aud);
    return c.build();
  }

  static String sign(JWSSigner signer, JWSHeader header, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  // --- resources ---------------------------------------------------------------------------------

  static String resources(TestCa.Issued cert, int appPort, int jwksPort) {
    return """
        apiVersion: v1
        kind: Namespace
        metadata: {name: gateway}
        ---
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: sluice}
        spec: {controller: sluice.dev/ingress-controller}
        ---
        %s
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: hs-keys, namespace: gateway}
        type: Opaque
        stringData:
          hmac.key: "%s"
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: chat, namespace: gateway}
        spec:
          ports: [{name: http, port: 80, targetPort: http}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: chat-1
          namespace: gateway
          labels: {kubernetes.io/service-name: chat}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: chat
          namespace: gateway
          annotations:
            sluice.dev/jwt-jwks-url: "http://127.0.0.1:%d/.well-known/jwks.json"
            sluice.dev/jwt-issuer: "%s"
            sluice.dev/jwt-audience: "%s"
            sluice.dev/jwt-claims-to-headers: "sub:X-User"
        spec:
          ingressClassName: sluice
          tls: [{hosts: [%s], secretName: gateway-tls}]
          rules:
            - host: %s
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: chat, port: {name: http}}}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: chat-hs
          namespace: gateway
          annotations:
            sluice.dev/jwt-secret: hs-keys
            sluice.dev/jwt-claims-to-headers: "sub:X-User"
        spec:
          ingressClassName: sluice
          tls: [{hosts: [%s], secretName: gateway-tls}]
          rules:
            - host: %s
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: chat, port: {name: http}}}}
        """
        .formatted(Manifests.tlsSecret("gateway", "gateway-tls", cert.chainPem(), cert.keyPem()), HMAC_KEY, appPort, jwksPort,
            ISSUER, AUDIENCE, HOST, HOST, HMAC_HOST, HMAC_HOST);
  }

}

package dev.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestCa;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 2 of the end-to-end issue: a web terminal (HTTPS, HSTS, HTTP->HTTPS redirect, one
 * long-lived WebSocket) behind Sluice, and Sluice behind a TCP load balancer that speaks PROXY
 * protocol. The packaged jar runs in cluster mode against an API server (fabric8's mock in CRUD
 * mode, {@link MockKubeApi}; configuration changes are API writes) with {@code --proxy-protocol}
 * and {@code --trusted-proxies 1}. The test plays the front tier: an HTTP proxy that appends the
 * real client (203.0.113.7) to X-Forwarded-For, whose connections reach Sluice through a load
 * balancer announcing the proxy's address (198.51.100.10) in a PROXY header.
 *
 * <p>One WebSocket is opened first and kept for the whole test, exchanging messages after every
 * configuration change: another Ingress added and removed, the terminal's endpoints grown and its
 * original endpoint removed, the terminal's own Ingress edited. It must survive all of them.
 */
class WebTerminalScenarioTest {
  static final String NS = "web";
  static final String HOST = "terminal.example.test";
  static final String CLIENT = "203.0.113.7";
  static final String FRONT_PROXY = "198.51.100.10";

  @TempDir static Path work;
  static TestCa ca;
  static TestBackend terminal1;
  static TestBackend terminal2;
  static TestBackend notes;
  static MockKubeApi api;
  static SluiceProcess sluice;
  static ProxyProtocolBalancer httpsBalancer;
  static ProxyProtocolBalancer httpBalancer;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    ca = TestCa.create("terminal-ca");
    terminal1 = TestBackend.start("terminal-1");
    terminal2 = TestBackend.start("terminal-2");
    notes = TestBackend.start("notes");
    api = MockKubeApi.start(work, NS);
    TestCa.Issued cert = ca.issue(HOST, "notes.example.test");
    api.apply(
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: web}
        ---
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: sluice}
        spec: {controller: sluice.dev/ingress-controller}
        ---
        %s
        """
            .formatted(Manifests.tlsSecret("web", "terminal-tls", cert.chainPem(), cert.keyPem())));
    api.apply(service("terminal") + slice("terminal-1", "terminal", terminal1.port())
        + service("notes") + slice("notes-1", "notes", notes.port()) + terminalIngress(false));
    sluice =
        SluiceProcess.start(
            work, "--kubeconfig", api.kubeconfig().toString(), "--watch-namespace", NS,
            "--leader-election-namespace", NS, "--debounce", "50ms", "--bind", "127.0.0.1",
            "--http-port", "0", "--https-port", "0", "--admin-port", "0",
            "--proxy-protocol", "--proxy-protocol-trusted", "127.0.0.1/32",
            "--trusted-proxies", "1", "--access-log", "stdout");
    httpsBalancer =
        ProxyProtocolBalancer.start(
            sluice.httpsPort(), ProxyProtocolBalancer.v2(FRONT_PROXY, 40001, "127.0.0.1", 443));
    httpBalancer =
        ProxyProtocolBalancer.start(
            sluice.httpPort(), ProxyProtocolBalancer.v1(FRONT_PROXY, 40002, "127.0.0.1", 80));
    http =
        HttpClient.newBuilder()
            .sslContext(ca.clientContext())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    // ready once the caches synced and the first snapshot is served
    within().until(() -> get(HOST, "/echo").statusCode() == 200);
  }

  @AfterAll
  static void stop() throws Exception {
    if (http != null) http.close();
    if (httpsBalancer != null) httpsBalancer.close();
    if (httpBalancer != null) httpBalancer.close();
    int exit = 0;
    if (sluice != null) {
      exit = sluice.stop();
      System.out.println(sluice.log()); // in target/surefire-reports/*-output.txt
    }
    if (api != null) api.close();
    for (TestBackend b : new TestBackend[] {terminal1, terminal2, notes}) {
      if (b != null) b.close();
    }
    // a cluster-mode replica stops on SIGTERM (drain, give the Lease up, exit), never needs SIGKILL
    assertThat(exit).as("exit status after SIGTERM").isEqualTo(143);
  }

  @Test
  void theAppSeesTheRealClientAndHstsAndTheRedirectWork() throws Exception {
    // the client's own forged entry (6.6.6.6) is left of what the front proxy vouches for
    HttpResponse<String> r = get(HOST, "/echo?who=1");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("strict-transport-security"))
        .hasValue("max-age=31536000; includeSubDomains");
    assertThat(r.body())
        .contains("\"x-real-ip\":\"" + CLIENT + "\"")
        .contains("\"x-forwarded-for\":\"6.6.6.6, " + CLIENT + ", " + FRONT_PROXY + "\"")
        .contains("\"x-forwarded-proto\":\"https\"");

    Curl.Result redirect = Curl.get(httpBalancer.port(), HOST, "/shell?tab=2", "-i");
    assertThat(redirect.status()).as(redirect.body()).isEqualTo(301);
    assertThat(redirect.body())
        .containsIgnoringCase("location: https://" + HOST + ":" + sluice.httpsPort() + "/shell?tab=2")
        .doesNotContainIgnoringCase("strict-transport-security");
  }

  @Test
  void aConnectionWithoutProxyHeaderIsClosedUnanswered() throws Exception {
    try (Socket s = new Socket("127.0.0.1", sluice.httpPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void theWebSocketSurvivesEveryConfigurationChange() throws Exception {
    Messages messages = new Messages();
    WebSocket ws =
        http.newWebSocketBuilder()
            .header("X-Forwarded-For", CLIENT)
            .connectTimeout(Duration.ofSeconds(5))
            .buildAsync(URI.create("wss://" + HOST + ":" + httpsBalancer.port() + "/ws"), messages)
            .get(10, TimeUnit.SECONDS);
    int round = 0;
    roundTrip(ws, messages, round++);

    // another team's Ingress comes ...
    api.apply(notesIngress());
    within().until(() -> get("notes.example.test", "/echo").body().contains("\"backend\":\"notes\""));
    roundTrip(ws, messages, round++);

    // ... the terminal scales out ...
    api.apply(slice("terminal-2", "terminal", terminal2.port()));
    within().until(() -> get(HOST, "/echo").body().contains("\"backend\":\"terminal-2\""));
    roundTrip(ws, messages, round++);

    // ... and its first endpoint, the one this WebSocket is on, leaves the Service
    api.client().discovery().v1().endpointSlices().inNamespace(NS).withName("terminal-1").delete();
    within().until(() -> servedOnlyBy("terminal-2"));
    roundTrip(ws, messages, round++);

    // the other Ingress goes away
    api.client().network().v1().ingresses().inNamespace(NS).withName("notes").delete();
    within().until(() -> get("notes.example.test", "/echo").statusCode() == 404);
    roundTrip(ws, messages, round++);

    // the terminal's own Ingress is edited: a new path to another Service
    api.apply(terminalIngress(true));
    within().until(() -> get(HOST, "/api/echo").body().contains("\"backend\":\"notes\""));
    roundTrip(ws, messages, round++);

    assertThat(terminal1.openConnections()).as("the tunnel to terminal-1 is still open").isPositive();
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    assertThat(messages.closed.poll(5, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);

    // the upgrade was logged with the real client, as everything else
    within().until(() -> sluice.log().lines().anyMatch(l -> l.startsWith(CLIENT + " - - [")
        && l.contains("\"GET /ws HTTP/1.1\" 101")));
  }

  /** One message each way: sent by the client, echoed back by the terminal through the tunnel. */
  static void roundTrip(WebSocket ws, Messages messages, int round) throws Exception {
    String text = "round " + round + " " + "x".repeat(round * 100);
    ws.sendText(text, true).get(5, TimeUnit.SECONDS);
    assertThat(messages.texts.poll(5, TimeUnit.SECONDS)).as("echo of round " + round).isEqualTo(text);
  }

  /** Whether a handful of requests all reach {@code backend}. */
  static boolean servedOnlyBy(String backend) throws Exception {
    for (int i = 0; i < 4; i++) {
      if (!get(HOST, "/echo").body().contains("\"backend\":\"" + backend + "\"")) {
        return false;
      }
    }
    return true;
  }

  /** An HTTPS GET through the load balancer, with the front proxy's X-Forwarded-For. */
  static HttpResponse<String> get(String host, String path) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("https://" + host + ":" + httpsBalancer.port() + path))
            .header("X-Forwarded-For", "6.6.6.6, " + CLIENT)
            .timeout(Duration.ofSeconds(10))
            .build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  static ConditionFactory within() {
    return await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions();
  }

  /** Text frames and the close code the client receives; asks for one frame at a time. */
  static final class Messages implements WebSocket.Listener {
    final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    final BlockingQueue<Integer> closed = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        texts.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.add(statusCode);
      return null;
    }
  }

  // --- resources --------------------------------------------------------------------------------

  static String service(String name) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: %s, namespace: web}
        spec:
          ports: [{name: http, port: 80, targetPort: http}]
        ---
        """
        .formatted(name);
  }

  static String slice(String name, String service, int port) {
    return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %s
          namespace: web
          labels: {kubernetes.io/service-name: %s}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]
        ---
        """
        .formatted(name, service, port);
  }

  static String terminalIngress(boolean withApi) {
    String api =
        withApi
            ? "\n          - {path: /api, pathType: Prefix, backend: {service: {name: notes, port: {number: 80}}}}"
            : "";
    return """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: terminal, namespace: web}
        spec:
          ingressClassName: sluice
          tls: [{hosts: [%s], secretName: terminal-tls}]
          rules:
            - host: %s
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: terminal, port: {name: http}}}}%s
        """
        .formatted(HOST, HOST, api);
  }

  static String notesIngress() {
    return """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: notes, namespace: web}
        spec:
          ingressClassName: sluice
          tls: [{hosts: [notes.example.test], secretName: terminal-tls}]
          rules:
            - host: notes.example.test
              http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: notes, port: {number: 80}}}}
        """;
  }

}

package dev.sluice.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestBackend;
import dev.sluice.testing.TestProxy;
import dev.sluice.testing.TestSnapshots;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeepAliveAndBalancingTest {
  private static final Pattern BACKEND = Pattern.compile("\"backend\":\"([^\"]+)\"");
  private final List<TestBackend> backends =
      List.of(TestBackend.start("b1"), TestBackend.start("b2"), TestBackend.start("b3"));
  private final TestProxy proxy = TestProxy.start();

  @AfterEach
  void stop() {
    proxy.close();
    backends.forEach(TestBackend::close);
  }

  @Test
  void hundredSequentialRequestsOnOneClientConnectionReuseOneUpstreamConnection() throws Exception {
    TestBackend b = backends.get(0);
    proxy.publish(TestSnapshots.catchAll(b.endpoint()));
    try (RawHttp client = RawHttp.connect(proxy.port())) {
      for (int i = 0; i < 100; i++) {
        RawHttp.Response r =
            client.send("GET /echo?i=" + i + " HTTP/1.1\r\nHost: app.test\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).contains("\"uri\":\"/echo?i=" + i + "\"");
      }
    }
    assertThat(b.requests()).isEqualTo(100);
    assertThat(b.connections()).isEqualTo(1);
  }

  @Test
  void pooledConnectionClosedByTheBackendIsNotUsedAgain() throws Exception {
    TestBackend b = backends.get(0);
    proxy.publish(TestSnapshots.catchAll(b.endpoint()));
    try (RawHttp client = RawHttp.connect(proxy.port())) {
      assertThat(client.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
      b.closeConnections(); // the pooled upstream connection dies while idle
      for (int i = 0; i < 5; i++) {
        assertThat(client.send("GET /echo HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
      }
    }
    assertThat(b.connections()).isEqualTo(2);
    assertThat(proxy.errors("upstream_closed")).isZero();
  }

  @Test
  void jdkClientRequestsAreServedOverPooledUpstreamConnections() throws Exception {
    TestBackend b = backends.get(0);
    proxy.publish(TestSnapshots.catchAll(b.endpoint()));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (int i = 0; i < 50; i++) {
      HttpResponse<String> r =
          client.send(HttpRequest.newBuilder(proxy.uri("/echo")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
    // one upstream connection per event loop at most (2 loops), whatever loop the client landed on
    assertThat(b.connections()).isLessThanOrEqualTo(2);
  }

  @Test
  void roundRobinSpreadsRequestsEvenlyOverEqualWeights() throws Exception {
    proxy.publish(
        TestSnapshots.catchAll(
            backends.get(0).endpoint(), backends.get(1).endpoint(), backends.get(2).endpoint()));
    Map<String, Integer> hits = countBackends(300);
    assertThat(hits).containsOnlyKeys("b1", "b2", "b3");
    assertThat(hits.values()).allSatisfy(n -> assertThat(n).isEqualTo(100));
  }

  @Test
  void roundRobinHonoursWeightsExactly() throws Exception {
    proxy.publish(
        TestSnapshots.catchAll(
            backends.get(0).endpoint(1), backends.get(1).endpoint(2), backends.get(2).endpoint(3)));
    Map<String, Integer> hits = countBackends(600);
    assertThat(hits).containsExactlyInAnyOrderEntriesOf(Map.of("b1", 100, "b2", 200, "b3", 300));
  }

  @Test
  void endpointWithWeightZeroGetsNoTraffic() throws Exception {
    proxy.publish(
        TestSnapshots.catchAll(
            backends.get(0).endpoint(1), backends.get(1).endpoint(1), backends.get(2).endpoint(0)));
    Map<String, Integer> hits = countBackends(100);
    assertThat(hits).containsOnlyKeys("b1", "b2");
    assertThat(backends.get(2).requests()).isZero();
  }

  private Map<String, Integer> countBackends(int requests) throws Exception {
    Map<String, Integer> hits = new HashMap<>();
    try (RawHttp client = RawHttp.connect(proxy.port())) {
      for (int i = 0; i < requests; i++) {
        String body = client.send("GET /echo HTTP/1.1\r\nHost: lb.test\r\n\r\n").read().bodyText();
        Matcher m = BACKEND.matcher(body);
        assertThat(m.find()).as(body).isTrue();
        hits.merge(m.group(1), 1, Integer::sum);
      }
    }
    return hits;
  }
}

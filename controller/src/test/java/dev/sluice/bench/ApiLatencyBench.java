package dev.sluice.bench;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.controller.cluster.ClusterController;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.testing.RawHttp;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Locale;

/**
 * Issue 4's "time from an API change to the first request served by the new route", in one JVM:
 * fabric8's mock API server (CRUD mode, real client and watches), the cluster controller, the
 * real data plane on loopback and a JDK HTTP backend. For each of N changes it creates an Ingress
 * for a new host through the client and polls the data plane (raw HTTP/1.1, a new connection every
 * 2 ms) until that host answers 200; the time is from just before the create call. Changes are
 * {@code --gap} ms apart, so each one is debounced on its own (default debounce: 100 ms quiet).
 * Usage: {@code ApiLatencyBench [--changes 50] [--gap 300]}.
 */
public final class ApiLatencyBench {
  private ApiLatencyBench() {}

  public static void main(String[] args) throws Exception {
    int changes = 50;
    int gapMs = 300;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--changes" -> changes = Integer.parseInt(args[i + 1]);
        case "--gap" -> gapMs = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    backend.createContext("/", x -> {
      x.getRequestBody().readAllBytes();
      x.sendResponseHeaders(200, 2);
      x.getResponseBody().write("ok".getBytes());
      x.close();
    });
    backend.start();
    SnapshotHolder holder = new SnapshotHolder();
    try (MockApi api = MockApi.start();
        SluiceServer server = SluiceServer.start(ServerSettings.builder().bindAddress("127.0.0.1")
            .httpPort(0).httpsPort(0).adminPort(0).build(), holder, new SimpleMeterRegistry());
        ClusterController controller = api.startController(holder)) {
      KubernetesClient client = api.client();
      client.resource(ClusterObjects.service("web")).inNamespace(MockApi.NAMESPACE).create();
      client.resource(ClusterObjects.slice("web", backend.getAddress().getPort(), true, false))
          .inNamespace(MockApi.NAMESPACE).create();
      // Warm-up: the first few changes also warm the JIT; not recorded.
      for (int i = 0; i < 5; i++) {
        measure(client, server.httpPort(), "warm-" + i);
        Thread.sleep(gapMs);
      }
      double[] ms = new double[changes];
      double[] createMs = new double[changes];
      for (int i = 0; i < changes; i++) {
        double[] r = measure(client, server.httpPort(), "lat-" + i);
        ms[i] = r[0];
        createMs[i] = r[1];
        Thread.sleep(gapMs);
      }
      Arrays.sort(ms);
      Arrays.sort(createMs);
      System.out.printf(Locale.ROOT,
          "| changes | min ms | p50 ms | p90 ms | p99 ms | max ms | create call p50 ms |%n|---|---|---|---|---|---|---|%n"
              + "| %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.1f |%n",
          changes, ms[0], pct(ms, 50), pct(ms, 90), pct(ms, 99), ms[changes - 1], pct(createMs, 50));
    } finally {
      backend.stop(0);
    }
  }

  /** {time to first 200, duration of the create call} in ms. */
  private static double[] measure(KubernetesClient client, int port, String name) throws Exception {
    Ingress ing = ClusterObjects.ingress(name, name + ".test", "web");
    long t0 = System.nanoTime();
    client.resource(ing).inNamespace(MockApi.NAMESPACE).create();
    long created = System.nanoTime();
    long deadline = t0 + 10_000_000_000L;
    while (true) {
      int status;
      try {
        status = RawHttp.get(port, name + ".test", "/").status();
      } catch (IOException e) {
        status = -1;
      }
      if (status == 200) {
        return new double[] {(System.nanoTime() - t0) / 1e6, (created - t0) / 1e6};
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + ".test not served 10 s after the create (last status " + status + ")");
      }
      Thread.sleep(2);
    }
  }

  private static double pct(double[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)];
  }
}

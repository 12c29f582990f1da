package dev.sluice.bench;

import dev.sluice.controller.cluster.ClusterController;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.testing.RawHttp;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

/**
 * bench/churn.sh's cluster mode in one JVM: fabric8's mock API server (CRUD mode; not a real
 * kube-apiserver), Sluice's cluster controller and the data plane on {@code --http-port}. It loads
 * the starting manifests into the API server, serves, and when the {@code --trigger} file appears
 * makes {@code --rate} changes a second for {@code --seconds} through the Kubernetes client, the
 * same three kinds as bench/lib/churn/churner.js (new Ingress, EndpointSlice flip, TLS Secret
 * rotation), probing every 10th new Ingress every 20 ms until it answers 200. Writes the churner's JSON to
 * {@code --out} and keeps serving until killed. The API server's own CPU is in this process.
 */
public final class ClusterChurn {
  private static final int KEEP = 300;
  private static final int SAMPLE = 10;
  private static final boolean[][] READY = {{true, true}, {true, false}, {true, true}, {false, true}};

  private ClusterChurn() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    for (String k : List.of("--manifests", "--certs", "--http-port", "--rate", "--seconds", "--trigger", "--out")) {
      if (!a.containsKey(k)) {
        System.err.println("usage: ClusterChurn --manifests DIR --certs DIR --http-port P --rate R --seconds S"
            + " --trigger FILE --out FILE [--backend-port 18080]");
        System.exit(2);
      }
    }
    int port = Integer.parseInt(a.get("--http-port"));
    int rate = Integer.parseInt(a.get("--rate"));
    int seconds = Integer.parseInt(a.get("--seconds"));
    int backendPort = Integer.parseInt(a.getOrDefault("--backend-port", "18080"));
    Path certDir = Path.of(a.get("--certs"));
    List<Secret> pool = new ArrayList<>();
    for (int k = 0; Files.exists(certDir.resolve("rot-" + k + ".crt")); k++) {
      Base64.Encoder b64 = Base64.getEncoder();
      pool.add(new SecretBuilder().withNewMetadata().withName("churn-tls").endMetadata()
          .withType("kubernetes.io/tls")
          .addToData("tls.crt", b64.encodeToString(Files.readAllBytes(certDir.resolve("rot-" + k + ".crt"))))
          .addToData("tls.key", b64.encodeToString(Files.readAllBytes(certDir.resolve("rot-" + k + ".key"))))
          .build());
    }
    if (pool.isEmpty()) {
      throw new IllegalArgumentException("no rot-0.crt in " + certDir);
    }

    MockApi api = MockApi.start();
    KubernetesClient client = api.client();
    try (Stream<Path> files = Files.list(Path.of(a.get("--manifests")))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(f)) {
          for (HasMetadata o : client.load(in).items()) {
            o.getMetadata().setNamespace(MockApi.NAMESPACE);
            client.resource(o).create();
          }
        }
      }
    }
    SnapshotHolder holder = new SnapshotHolder();
    SluiceServer server = SluiceServer.start(ServerSettings.builder().bindAddress("127.0.0.1")
        .httpPort(port).httpsPort(0).adminPort(0).build(), holder, new SimpleMeterRegistry());
    ClusterController controller = api.startController(holder);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      controller.close();
      server.close();
      api.close();
    }));
    System.out.println("ClusterChurn: serving on 127.0.0.1:" + port + " (mock API server, cluster controller)");

    Path trigger = Path.of(a.get("--trigger"));
    while (!Files.exists(trigger)) {
      Thread.sleep(20);
    }
    ConcurrentLinkedQueue<double[]> probes = new ConcurrentLinkedQueue<>(); // {n, ms or -1}
    int total = rate * seconds;
    List<Thread> probers = new ArrayList<>();
    int added = 0, deleted = 0, slices = 0, rotations = 0, errors = 0;
    long maxLagNanos = 0;
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      long due = start + (long) (i * 1e9 / rate);
      long now = System.nanoTime();
      if (now < due) {
        Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
      } else {
        maxLagNanos = Math.max(maxLagNanos, now - due);
      }
      try {
        switch (i % 3) {
          case 0 -> {
            int n = added++;
            long t0 = System.nanoTime();
            client.resource(ClusterObjects.ingress("churn-" + n, "churn-" + n + ".test", "churn-be"))
                .inNamespace(MockApi.NAMESPACE).create();
            if (n >= KEEP) {
              client.network().v1().ingresses().inNamespace(MockApi.NAMESPACE).withName("churn-" + (n - KEEP)).delete();
              deleted++;
            }
            if (n % SAMPLE == 0) {
              probers.add(Thread.ofVirtual().start(
                  () -> probes.add(new double[] {n, probe(port, "churn-" + n + ".test", t0)})));
            }
          }
          case 1 -> {
            boolean[] r = READY[++slices % READY.length];
            client.resource(ClusterObjects.slice("churn-be", backendPort, r[0], r[1]))
                .inNamespace(MockApi.NAMESPACE).update();
          }
          default -> {
            client.resource(pool.get(++rotations % pool.size())).inNamespace(MockApi.NAMESPACE).update();
          }
        }
      } catch (RuntimeException e) {
        errors++;
        System.err.println("ClusterChurn: change " + i + " failed: " + e);
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    client.resource(ClusterObjects.slice("churn-be", backendPort, true, true)).inNamespace(MockApi.NAMESPACE).update();
    for (Thread t : probers) {
      t.join();
    }
    List<Double> seen = probes.stream().filter(p -> p[1] >= 0).map(p -> p[1]).sorted().toList();
    String json = String.format(Locale.ROOT, """
        {"rate": %d, "seconds": %d, "changes": %d, "changes_per_s": %.1f, "max_schedule_lag_ms": %d,
         "ingress_added": %d, "ingress_deleted": %d, "endpoint_changes": %d, "cert_rotations": %d, "write_errors": %d,
         "visibility": {"probed": %d, "seen": %d, "timeouts": %d, "min_ms": %s, "p50_ms": %s, "p90_ms": %s, "p99_ms": %s, "max_ms": %s},
         "api_server": "fabric8 KubernetesMockServer (CRUD mode) in the same JVM"}
        """, rate, seconds, total, total / elapsed, maxLagNanos / 1_000_000, added, deleted, slices, rotations, errors,
        probes.size(), seen.size(), probes.size() - seen.size(), pct(seen, 0), pct(seen, 50), pct(seen, 90),
        pct(seen, 99), pct(seen, 100));
    Files.writeString(Path.of(a.get("--out")), json);
    System.out.println("ClusterChurn: " + json.replace('\n', ' '));
    Thread.currentThread().join(); // serve until killed
  }

  /** ms from {@code t0} to the first 200 for {@code host}, or -1 after 10 s. */
  private static double probe(int port, String host, long t0) {
    while (System.nanoTime() - t0 < 10_000_000_000L) {
      try {
        if (RawHttp.get(port, host, "/100b").status() == 200) {
          return (System.nanoTime() - t0) / 1e6;
        }
      } catch (IOException e) {
        // not yet; try again
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return -1;
      }
    }
    return -1;
  }

  private static String pct(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return "null";
    }
    int i = p == 0 ? 0 : Math.min(sorted.size() - 1, (int) Math.ceil(p / 100 * sorted.size()) - 1);
    return String.valueOf(Math.round(sorted.get(i)));
  }
}

package dev.sluice.bench;

import dev.sluice.controller.translate.ClusterState;
import dev.sluice.controller.translate.SnapshotTranslator;
import dev.sluice.controller.translate.Translation;
import dev.sluice.controller.translate.TranslatorSettings;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.tls.CertificateTable;
import dev.sluice.dataplane.tls.TlsContextFactory;
import dev.sluice.dataplane.tls.TlsSettings;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Issue 4's translation benchmark (a main, not a test): {@link SnapshotTranslator#translate} time
 * and retained heap for synthetic clusters of 1,000 and 10,000 Ingresses with 100 and 1,000 TLS
 * Secrets, and what the data plane does with the result: {@link SnapshotHolder#publish} (route
 * table compile) first and after an endpoint-only change, and {@link CertificateTable#compile}
 * first (cold {@link TlsContextFactory}) and again (contexts cached).
 *
 * <p>Certificates: "shared" = the Secrets hold 8 distinct certificates between them (the
 * translator validates each distinct content once, by content hash); "distinct" = every Secret its
 * own certificate (one validation per Secret on a cold translator). Warm translations hit the
 * cache either way; the cold one shows the difference.
 *
 * <p>Timing is wall clock around single calls, after warm-up iterations, reported as median and
 * min of the measured ones; heap is "used after full GC" with the result held minus without it.
 * Prints a markdown table. Usage: {@code TranslateBench [--sizes 1000x100,1000x1000,...]}.
 */
public final class TranslateBench {
  private TranslateBench() {}

  public static void main(String[] args) throws Exception {
    List<int[]> sizes = List.of(new int[] {1000, 100}, new int[] {1000, 1000},
        new int[] {10000, 100}, new int[] {10000, 1000});
    if (args.length == 2 && args[0].equals("--sizes")) {
      sizes = Arrays.stream(args[1].split(",")).map(s -> s.split("x"))
          .map(p -> new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])}).toList();
    } else if (args.length != 0) {
      System.err.println("usage: TranslateBench [--sizes INGRESSESxSECRETS,...]");
      System.exit(2);
    }
    BenchCerts certs = new BenchCerts();
    List<String> rows = new ArrayList<>();
    rows.add("| Ingresses | Secrets | certs | input heap MiB | translate cold ms | translate warm ms (median / min) "
        + "| snapshot heap MiB | publish first ms | republish, 1 slice changed ms (median) | translate+publish after endpoint change ms "
        + "| cert table cold ms | cert table cached ms | problems |");
    rows.add("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (int[] size : sizes) {
      for (String mode : List.of("shared", "distinct")) {
        int distinct = mode.equals("shared") ? Math.min(8, size[1]) : size[1];
        rows.add(run(size[0], size[1], distinct, mode, certs));
        System.err.println(rows.getLast());
      }
    }
    System.out.println(String.join("\n", rows));
  }

  private static String run(int ingresses, int secrets, int distinct, String mode, BenchCerts certs) {
    long heap0 = usedAfterGc();
    ClusterState state = BenchObjects.state(ingresses, secrets, distinct, certs);
    double inputMib = (usedAfterGc() - heap0) / 1048576.0;
    int iterations = Math.max(5, 20_000 / ingresses);
    TranslatorSettings settings = TranslatorSettings.cluster(TranslatorSettings.DEFAULT_INGRESS_CLASS);

    // Cold: a fresh translator has validated no certificate yet.
    SnapshotTranslator translator = new SnapshotTranslator(settings);
    long t = System.nanoTime();
    Translation first = translator.translate(state, 1, Instant.now());
    double coldMs = ms(System.nanoTime() - t);
    int problems = first.problems().size();

    for (int i = 0; i < iterations; i++) { // warm-up: JIT and the certificate cache
      translator.translate(state, 2 + i, Instant.now());
    }
    double[] warm = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      t = System.nanoTime();
      translator.translate(state, 100 + i, Instant.now());
      warm[i] = ms(System.nanoTime() - t);
    }

    first = null;
    long before = usedAfterGc();
    Translation held = translator.translate(state, 1000, Instant.now());
    double snapshotMib = (usedAfterGc() - before) / 1048576.0;
    Snapshot snapshot = held.snapshot();

    SnapshotHolder holder = new SnapshotHolder();
    t = System.nanoTime();
    holder.publish(snapshot);
    double publishFirst = ms(System.nanoTime() - t);
    double[] republish = new double[iterations];
    double[] endToEnd = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      ClusterState changed = BenchObjects.withSlice(state, i % ingresses, i + 1);
      long t0 = System.nanoTime();
      Snapshot next = translator.translate(changed, 2000 + i, Instant.now()).snapshot();
      long t1 = System.nanoTime();
      holder.publish(next);
      long t2 = System.nanoTime();
      republish[i] = ms(t2 - t1);
      endToEnd[i] = ms(t2 - t0);
    }

    TlsContextFactory factory = new TlsContextFactory();
    t = System.nanoTime();
    CertificateTable.compile(snapshot.certificates(), null, TlsSettings.defaults(), factory);
    double certCold = ms(System.nanoTime() - t);
    t = System.nanoTime();
    CertificateTable.compile(snapshot.certificates(), null, TlsSettings.defaults(), factory);
    double certWarm = ms(System.nanoTime() - t);

    return String.format(Locale.ROOT,
        "| %,d | %,d | %s (%d) | %.1f | %.0f | %.1f / %.1f | %.1f | %.1f | %.2f | %.1f | %.0f | %.1f | %d |",
        ingresses, secrets, mode, distinct, inputMib, coldMs, median(warm), min(warm), snapshotMib, publishFirst,
        median(republish), median(endToEnd), certCold, certWarm, problems);
  }

  private static long usedAfterGc() {
    var mem = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return mem.getHeapMemoryUsage().getUsed();
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s[(s.length - 1) / 2];
  }

  private static double min(double[] a) {
    return Arrays.stream(a).min().orElse(Double.NaN);
  }
}

package dev.sluice.controller;

import dev.sluice.controller.acme.AcmeManager;
import dev.sluice.controller.acme.AcmeSettings;
import dev.sluice.controller.acme.DirectoryCertificateStore;
import dev.sluice.controller.acme.SecretCertificateStore;
import dev.sluice.controller.cluster.ClusterController;
import dev.sluice.controller.metrics.ControllerMetrics;
import dev.sluice.controller.translate.AcmeSource;
import dev.sluice.controller.cluster.ClusterSettings;
import dev.sluice.controller.standalone.ManifestFolderSource;
import dev.sluice.controller.translate.SnapshotTranslator;
import dev.sluice.controller.translate.Translation;
import dev.sluice.controller.translate.TranslatorSettings;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.admin.AdminServer;
import dev.sluice.dataplane.tls.OcspStapler;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.dataplane.snapshot.Certificate;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code sluice} command: parses flags, starts the snapshot source (the manifest folder with
 * {@code --manifests}, otherwise the cluster controller watching the Kubernetes API), starts the
 * data plane and blocks until the process is told to stop.
 */
public final class Main {
  /** Exit status for a command line that cannot be run (as getopt-style tools use). */
  static final int EXIT_USAGE = 2;

  static final int EXIT_FAILURE = 1;

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    NettyTuning.apply();
    Optional<Running> running = start(args, System.out, System.err);
    if (running.isEmpty()) {
      System.exit(lastExitCode);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  running.get().close();
                  stopped.countDown();
                },
                "sluice-shutdown"));
    stopped.await();
  }

  /**
   * What {@link #start} brought up; closing it stops the server, then the snapshot source (the
   * folder watcher, or the cluster controller and its client), then the admin listener (last, so
   * /healthz answers while traffic drains).
   */
  record Running(SluiceServer server, AutoCloseable source, AdminServer admin)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        server.close();
      } finally {
        try {
          source.close();
        } catch (Exception e) {
          System.err.println("sluice: stopping: " + e);
        } finally {
          admin.close();
        }
      }
    }
  }

  private static volatile int lastExitCode;

  /**
   * Everything {@link #main} does short of blocking, so tests can run the command line.
   *
   * @return the running process, or empty when it should exit with {@link #lastExitCode} (0 after
   *     {@code --help}, {@value #EXIT_USAGE} for a bad command line, {@value #EXIT_FAILURE} when
   *     the folder cannot be read)
   */
  static Optional<Running> start(String[] args, PrintStream out, PrintStream err)
      throws InterruptedException {
    Flags flags;
    try {
      flags = Flags.parse(args);
    } catch (Flags.UsageException e) {
      err.println("sluice: " + e.getMessage());
      err.print(Flags.USAGE);
      lastExitCode = EXIT_USAGE;
      return Optional.empty();
    }
    if (flags.help()) {
      out.print(Flags.USAGE);
      lastExitCode = 0;
      return Optional.empty();
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // fetches OCSP responses for certificates that name a responder, off the event loops
    OcspStapler stapler = new OcspStapler(registry);
    Optional<Running> running = Optional.empty();
    try {
      Optional<SnapshotHolder> created = holder(flags, stapler, err);
      if (created.isPresent()) {
        running =
            flags.manifests() == null
                ? startCluster(flags, created.get(), registry, args, out, err)
                : startStandalone(flags, created.get(), registry, args, out, err);
      }
    } finally {
      if (running.isEmpty()) {
        stapler.close();
      }
    }
    return running.map(
        r ->
            new Running(
                r.server(),
                () -> {
                  try {
                    r.source().close();
                  } finally {
                    stapler.close();
                  }
                },
                r.admin()));
  }

  /** Standalone mode: the manifest folder feeds the holder. */
  private static Optional<Running> startStandalone(
      Flags flags,
      SnapshotHolder holder,
      PrometheusMeterRegistry registry,
      String[] args,
      PrintStream out,
      PrintStream err)
      throws InterruptedException {
    ServerSettings settings = AccessLogFlags.serverSettings(flags, args);
    AcmeSettings acmeSettings = acmeSettings(args);
    AcmeManager acme = acmeSettings.stateDir() == null ? null
        : new AcmeManager(acmeSettings, new DirectoryCertificateStore(acmeSettings.stateDir()), true,
            acmeSettings.challenge().resolve(HTTPS_LISTENING), registry,
            () -> holder.current().snapshot().acmeChallenges());
    SnapshotTranslator translator = new SnapshotTranslator(
        TranslatorSettings.standalone(flags.ingressClass())
            .withNginxAnnotations(nginxAnnotations(args)),
        acme == null ? AcmeSource.NONE : acme);
    ManifestFolderSource folder = new ManifestFolderSource(flags.manifests(), translator, holder);
    folder.recordTo(new ControllerMetrics(registry));
    if (acme != null) {
      folder.onTranslated(t -> acme.demands(t.acmeDemands()));
      acme.onChange(folder::refresh);
    } else {
      folder.onTranslated(t -> {
        if (!t.acmeDemands().isEmpty()) {
          err.println("sluice: " + t.acmeDemands().size() + " certificate(s) asked of ACME"
              + " (sluice.dev/acme), but standalone ACME needs --acme-state-dir; not ordering");
        }
      });
    }
    AutoCloseable source = () -> {
      try {
        folder.close();
      } finally {
        if (acme != null) {
          acme.close();
        }
      }
    };
    Optional<Translation> first;
    try {
      first = folder.start();
    } catch (IOException e) {
      err.println("sluice: cannot read --manifests " + flags.manifests() + ": " + e.getMessage());
      closeQuietly(source);
      lastExitCode = EXIT_FAILURE;
      return Optional.empty();
    }
    String state =
        first
            .map(t -> "snapshot v" + t.snapshot().version() + ", " + routes(t) + " routes")
            .orElse("no snapshot yet: fix the manifest errors logged above");
    Running running = serve(settings, holder, registry, source, state, out);
    if (acme != null) {
      // standalone: the only replica; orders start once the ports that answer the CA's
      // validation requests are bound
      acme.leading(true);
    }
    return Optional.of(running);
  }

  /**
   * Whether the data plane serves an HTTPS port, which decides {@code --acme-challenge auto}:
   * {@link SluiceServer} always binds its HTTPS listener, which answers TLS-ALPN-01 validations
   * ({@code acme-tls/1}) itself, so auto picks TLS-ALPN-01.
   */
  static final boolean HTTPS_LISTENING = true;

  /** {@code --nginx-annotations}, already validated by {@link Flags#parse}. */
  private static boolean nginxAnnotations(String[] args) {
    try {
      return PolicyFlags.nginxAnnotations(args);
    } catch (Flags.UsageException e) {
      throw new IllegalStateException("validated by Flags.parse", e);
    }
  }

  private static AcmeSettings acmeSettings(String[] args) {
    try {
      return AcmeFlags.parse(args);
    } catch (Flags.UsageException e) {
      throw new IllegalStateException("Flags.parse accepted what AcmeFlags refuses", e);
    }
  }

  /**
   * Starts the data plane and the admin listener on the holder the source feeds, and prints the
   * one line users (and the e2e tests) read: where it listens, and what it serves.
   */
  private static Running serve(
      ServerSettings settings,
      SnapshotHolder holder,
      PrometheusMeterRegistry registry,
      AutoCloseable source,
      String state,
      PrintStream out)
      throws InterruptedException {
    SluiceServer server;
    try {
      server = SluiceServer.start(settings, holder, registry);
    } catch (RuntimeException | InterruptedException e) {
      closeQuietly(source);
      throw e;
    }
    AdminServer admin;
    try {
      admin = AdminServer.start(settings, holder, registry);
    } catch (RuntimeException | InterruptedException e) {
      server.close();
      closeQuietly(source);
      throw e;
    }
    out.println(
        "Sluice listening on http://" + settings.bindAddress() + ":" + server.httpPort()
            + " and https://" + settings.bindAddress() + ":" + server.httpsPort()
            + " (" + state + ") admin http://" + settings.bindAddress() + ":" + admin.port());
    return new Running(server, source, admin);
  }

  /** Cluster mode: the controller feeds the holder; /readyz waits for its first full snapshot. */
  private static Optional<Running> startCluster(
      Flags flags,
      SnapshotHolder holder,
      PrometheusMeterRegistry registry,
      String[] args,
      PrintStream out,
      PrintStream err)
      throws InterruptedException {
    ClusterSettings cluster = flags.clusterSettings(nginxAnnotations(args));
    KubernetesClient client;
    try {
      client = ClusterController.client(cluster.kubeconfig());
    } catch (IOException | RuntimeException e) {
      err.println("sluice: cannot load the Kubernetes client configuration"
          + (cluster.kubeconfig() == null ? "" : " from --kubeconfig " + cluster.kubeconfig())
          + ": " + e.getMessage());
      lastExitCode = EXIT_FAILURE;
      return Optional.empty();
    }
    AcmeSettings acmeSettings = acmeSettings(args);
    AcmeManager acme = new AcmeManager(acmeSettings,
        new SecretCertificateStore(client, ClusterController.leaseNamespace(client, cluster)), false,
        acmeSettings.challenge().resolve(HTTPS_LISTENING), registry,
        () -> holder.current().snapshot().acmeChallenges());
    // The ports open first: JOSDK's start blocks until its informers list (up to its 2-minute
    // cache-sync timeout while the API server is unreachable), and meanwhile /healthz must answer
    // and /readyz say "not ready" rather than refuse connections.
    AtomicReference<ClusterController> controller = new AtomicReference<>();
    AutoCloseable source = () -> {
      try {
        ClusterController c = controller.get();
        if (c != null) {
          c.close();
        }
      } finally {
        acme.close();
        client.close();
      }
    };
    String state = "cluster mode, API server " + client.getMasterUrl() + "; ready once the caches sync";
    Running running =
        serve(AccessLogFlags.serverSettings(flags, args), holder, registry, source, state, out);
    try {
      controller.set(
          ClusterController.start(client, cluster, holder, acme, new ControllerMetrics(registry)));
    } catch (RuntimeException e) {
      err.println("sluice: cannot start the cluster controller against "
          + client.getMasterUrl() + ": " + e.getMessage());
      running.close();
      lastExitCode = EXIT_FAILURE;
      return Optional.empty();
    }
    return Optional.of(running);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // already failing; the original error is what the user needs
    }
  }

  /**
   * The holder both modes publish to, with the TLS flags and the default certificate; empty (exit
   * {@value #EXIT_FAILURE}, reason on {@code err}) when those cannot be used.
   */
  private static Optional<SnapshotHolder> holder(
      Flags flags, OcspStapler stapler, PrintStream err) {
    SnapshotHolder holder;
    try {
      holder = new SnapshotHolder(flags.tlsSettings(), defaultCertificate(flags), stapler);
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      err.println("sluice: " + e.getMessage());
      lastExitCode = EXIT_FAILURE;
      return Optional.empty();
    }
    if (!holder.certificateProblems().isEmpty()) {
      // the configured default certificate was refused: a flag the user gave, so stop here
      err.println(
          "sluice: --default-certificate-file: " + holder.certificateProblems().get(0).message());
      lastExitCode = EXIT_FAILURE;
      return Optional.empty();
    }
    return Optional.of(holder);
  }

  /**
   * The {@code --default-certificate-file} pair as a certificate, or {@code null} for the generated
   * one. Its host names are left empty: it is only ever served as the default.
   */
  static Certificate defaultCertificate(Flags flags) throws IOException {
    Flags.Https h = flags.https();
    if (h.defaultCertificate() == null) {
      return null;
    }
    String chain = read(h.defaultCertificate());
    String key = read(h.defaultKey());
    return new Certificate("file:" + h.defaultCertificate(), List.of(), chain, key);
  }

  private static String read(Path file) throws IOException {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new IOException(
          "--default-certificate-file: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static int routes(Translation t) {
    return t.snapshot().virtualHosts().stream().mapToInt(v -> v.routes().size()).sum();
  }

  /** Exit code of the last {@link #start} that returned empty. */
  static int lastExitCode() {
    return lastExitCode;
  }
}

package dev.sluice.controller.cluster;

import dev.sluice.controller.acme.AcmeManager;
import dev.sluice.controller.acme.ChallengeSecret;
import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.controller.metrics.ControllerMetrics;
import dev.sluice.controller.translate.AcmeSource;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import dev.sluice.controller.translate.SnapshotTranslator;
import dev.sluice.controller.translate.Translation;
import dev.sluice.dataplane.snapshot.Snapshot;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode: keeps the data plane's snapshot in step with the Kubernetes API and, on the leader,
 * writes status and Events back.
 *
 * <pre>
 *   informers (every replica) --change--> RebuildLoop --snapshot--> data plane
 *                                             |
 *                                        StatusBook --changed outcomes--> JOSDK reconcilers
 *                                                                         (Lease holder only)
 * </pre>
 *
 * Every replica watches and serves; only the holder of the Lease ({@code --leader-election-id} in
 * {@code --leader-election-namespace}) reconciles, i.e. writes Ingress/route status and Events,
 * and orders ACME certificates; its pending challenges reach every replica through the {@link
 * ChallengeSecret} in that namespace.
 *
 * <p>Threading: {@link #start} and {@link #close} from one thread; {@link #ready()} and {@link
 * #lastTranslation()} from any.
 */
public final class ClusterController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterController.class);

  /** How long publishing ACME challenges waits for the caches' first list. */
  private static final java.time.Duration SYNC_WAIT = java.time.Duration.ofSeconds(10);

  private final ClusterSettings settings;
  private final ClusterCache cache;
  private final RebuildLoop loop;
  private final Operator operator;
  private final OutcomeEventSource<Ingress> ingressOutcomes = new OutcomeEventSource<>("ingress-outcomes");
  private final OutcomeEventSource<TLSPassthroughRoute> routeOutcomes = new OutcomeEventSource<>("route-outcomes");
  private volatile Translation lastTranslation;
  /** Set by {@link #close}: giving the Lease up then is no reason to exit. */
  private volatile boolean closing;

  private final AcmeManager acme;
  private final String leaseNamespace;

  private ClusterController(KubernetesClient client, ClusterSettings settings, Consumer<Snapshot> sink,
      AcmeManager acme, ControllerMetrics metrics) {
    this.settings = settings;
    this.acme = acme;
    this.cache = new ClusterCache(client, settings.watchNamespaces(), this::changed);
    this.loop = new RebuildLoop(cache::state, cache::synced,
        new SnapshotTranslator(settings.translatorSettings(), acme == null ? AcmeSource.NONE
            : new ReplicatedAcmeSource(acme, cache::acmeChallenges)),
        sink, this::translated, settings.debounce(), settings.maxDelay(), metrics);
    this.leaseNamespace = leaseNamespace(client, settings);
    if (acme != null) {
      acme.onChange(loop::markDirty);
      // The leader's pending challenges go into one Secret every replica's cache watches, so the
      // CA's validation request is answered whichever replica the load balancer picks.
      ChallengeSecret challenges = new ChallengeSecret(client, leaseNamespace, cache::acmeChallenges);
      acme.publishChallenges(c -> {
        // On the ACME thread. Leadership can arrive before the caches have listed; the publisher
        // compares with the cached Secret (to clear a predecessor's leftovers), so wait for it.
        awaitSynced();
        challenges.publish(c);
      });
    }
    LeaderElectionConfiguration leader = LeaderElectionConfigurationBuilder
        .aLeaderElectionConfiguration(settings.leaseName())
        .withLeaseNamespace(leaseNamespace)
        .withIdentity(settings.identity())
        .withLeaseDuration(settings.leaseDuration())
        .withRenewDeadline(settings.renewDeadline())
        .withRetryPeriod(settings.retryPeriod())
        // Never JOSDK's own exit: it also fires when close() gives the Lease up, inside the
        // shutdown hook, where System.exit blocks for ever (SIGTERM then hung until SIGKILL).
        // stoppedLeading() exits instead, and only when the Lease was lost.
        .withExitOnStopLeading(false)
        // only the Lease holder orders certificates (JOSDK calls these besides its own)
        .withLeaderCallbacks(new LeaderCallbacks(
            () -> { if (acme != null) acme.leading(true); },
            this::stoppedLeading,
            newLeader -> {}))
        .build();
    this.operator = new Operator(o -> o
        .withKubernetesClient(client)
        .withCloseClientOnStop(false)
        // Status goes through a JSON patch on /status; server-side apply would also make Sluice a
        // field manager of the user's object, and the test API server does not speak it.
        .withUseSSAToPatchPrimaryResource(false)
        .withStopOnInformerErrorDuringStartup(false)
        .withConcurrentReconciliationThreads(2)
        .withMetrics(metrics.reconciles())
        .withLeaderElectionConfiguration(leader));
    ProblemEvents events = new ProblemEvents(client, settings.controllerName(), settings.identity());
    boolean publishing = settings.publishService() != null || settings.publishAddress() != null;
    operator.register(new IngressStatusReconciler(ingressOutcomes, events, publishing), this::namespaces);
    operator.register(new RouteStatusReconciler(routeOutcomes, events), this::namespaces);
  }

  /**
   * Starts watching (informers and rebuilds begin at once; the first snapshot is published when
   * every cache has synced) and joins the leader election.
   *
   * @param sink where snapshots go, usually the data plane's {@code SnapshotHolder}
   */
  public static ClusterController start(
      KubernetesClient client, ClusterSettings settings, Consumer<Snapshot> sink) {
    return start(client, settings, sink, null);
  }

  /**
   * As {@link #start(KubernetesClient, ClusterSettings, Consumer)}, with ACME: {@code acme} gets
   * the certificate demands of every translation, orders while this replica leads, and its
   * challenges go into the snapshots.
   *
   * @param acme the ACME manager (with a {@code SecretCertificateStore}), or {@code null}
   */
  public static ClusterController start(
      KubernetesClient client, ClusterSettings settings, Consumer<Snapshot> sink, AcmeManager acme) {
    return start(client, settings, sink, acme, ControllerMetrics.discarding());
  }

  /**
   * As {@link #start(KubernetesClient, ClusterSettings, Consumer, AcmeManager)}, recording rebuilds,
   * change-to-live times, rejections and reconciles in {@code metrics} (see {@link
   * ControllerMetrics}).
   */
  public static ClusterController start(KubernetesClient client, ClusterSettings settings,
      Consumer<Snapshot> sink, AcmeManager acme, ControllerMetrics metrics) {
    ClusterController c = new ClusterController(
        Objects.requireNonNull(client, "client"), Objects.requireNonNull(settings, "settings"),
        Objects.requireNonNull(sink, "sink"), acme, Objects.requireNonNull(metrics, "metrics"));
    c.cache.start(settings.publishService(), acme == null ? null : c.leaseNamespace);
    c.loop.start();
    try {
      c.operator.start();
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    log.info("cluster controller {} started: namespaces {}, ingress class {}, controller {}",
        settings.identity(),
        settings.watchNamespaces().isEmpty() ? "all" : settings.watchNamespaces(),
        settings.ingressClass(), settings.controllerName());
    return c;
  }

  /**
   * The client cluster mode uses: from {@code kubeconfig} when given, otherwise fabric8's
   * autoconfiguration (in-cluster service account, {@code $KUBECONFIG}, {@code ~/.kube/config}).
   */
  public static KubernetesClient client(Path kubeconfig) throws IOException {
    if (kubeconfig == null) {
      return new KubernetesClientBuilder().build();
    }
    Config config = Config.fromKubeconfig(Files.readString(kubeconfig, StandardCharsets.UTF_8));
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** True once the first complete snapshot (every cache synced) has been published. */
  public boolean ready() {
    return loop.ready();
  }

  /** The last translation (problems included), or {@code null} before the first. */
  public Translation lastTranslation() {
    return lastTranslation;
  }

  /** Namespace of the leader Lease (also where the ACME account Secret goes). */
  public static String leaseNamespace(KubernetesClient client, ClusterSettings settings) {
    return settings.leaseNamespace() != null ? settings.leaseNamespace()
        : client.getNamespace() != null ? client.getNamespace() : "default";
  }

  public ClusterSettings settings() {
    return settings;
  }

  /**
   * Leadership ended (JOSDK's leader-election thread, or the thread calling {@link #close}). Lost
   * while running, with {@code exitOnStopLeading}: the process exits, as JOSDK would, so two
   * leaders never write status at once; from a thread of its own, since the exit runs the shutdown
   * hook, which stops the operator whose thread called this. On {@link #close}: nothing more.
   */
  private void stoppedLeading() {
    if (acme != null) {
      acme.leading(false);
    }
    if (settings.exitOnStopLeading() && !closing) {
      log.warn("lost the leader Lease {}/{}; exiting", leaseNamespace, settings.leaseName());
      Thread.ofPlatform().name("sluice-lost-lease").start(() -> System.exit(1));
    }
  }

  @Override
  public void close() {
    closing = true;
    try {
      operator.stop();
    } catch (RuntimeException e) {
      log.warn("stopping the operator: {}", e.toString());
    } finally {
      loop.close();
      cache.close();
    }
  }

  private void awaitSynced() {
    long deadline = System.nanoTime() + SYNC_WAIT.toNanos();
    while (!cache.synced() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void changed() {
    loop.markDirty();
  }

  /** On the rebuild thread, after every translation. */
  private void translated(RebuildLoop.Built built) {
    lastTranslation = built.translation();
    if (acme != null) {
      acme.demands(built.translation().acmeDemands());
    }
    StatusBook book = StatusBook.of(built.state(), built.translation(), cache.publishService(),
        settings.publishAddress());
    ingressOutcomes.update(book.ingresses());
    routeOutcomes.update(book.routes());
  }

  private <R extends io.fabric8.kubernetes.api.model.HasMetadata> void namespaces(
      ControllerConfigurationOverrider<R> o) {
    if (settings.watchNamespaces().isEmpty()) {
      o.watchingAllNamespaces();
    } else {
      o.settingNamespaces(settings.watchNamespaces());
    }
  }
}

package dev.sluice.controller.cluster;

import dev.sluice.controller.acme.ChallengeSecret;
import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.controller.translate.ClusterState;
import dev.sluice.dataplane.snapshot.AcmeChallenges;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The informer caches every replica keeps (leader or not): Ingress, IngressClass, Service,
 * EndpointSlice, TLS Secret, CA Secret named by an Ingress and TLSPassthroughRoute, in the watched
 * namespaces (IngressClass is cluster-scoped), plus the one Service named by {@code
 * --publish-service}. Every relevant change
 * calls {@code onChange}; {@link #state()} copies the stores into a {@link ClusterState}.
 *
 * <p>Secrets: the informer asks the API server only for {@code type=kubernetes.io/tls} (a field
 * selector), so Opaque secrets, service-account tokens, Helm releases and the like are never listed
 * or cached. Of those, only the ones an Ingress names in {@code spec.tls} are cached with their
 * keys; the others are kept as name-only stubs ({@link TlsSecretStore}): field selectors cannot
 * express a set of names, and one watch per referenced Secret does not scale to thousands of
 * certificates, so the watch is by type and the filtering happens as items arrive. The one exception are CA bundles named by {@code sluice.dev/proxy-ssl-secret},
 * which are usually Opaque: {@link ReferencedSecrets} watches exactly those Secrets by name (few,
 * as CA bundles are shared), so an Opaque Secret no Ingress names is still never read. With ACME,
 * one more Opaque Secret is watched by name: the pending challenges the leader publishes ({@link
 * ChallengeSecret}), so every replica serves them.
 *
 * <p>Threading: informer callbacks arrive on fabric8's informer threads and only call {@code
 * onChange}; {@link #state()} is called by one thread at a time (the rebuild thread), as it also
 * brings the referenced-Secret watches in line with the Ingresses; the stores are thread-safe.
 */
final class ClusterCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterCache.class);
  static final String TLS_SECRET_TYPE = "kubernetes.io/tls";
  /** How long a rebuild waits for the first list of a newly referenced CA Secret. */
  private static final Duration REFERENCED_SECRET_WAIT = Duration.ofSeconds(2);

  private final KubernetesClient client;
  private final Set<String> namespaces;
  private final Runnable onChange;
  private final List<SharedIndexInformer<?>> all = new ArrayList<>();
  private final List<SharedIndexInformer<Ingress>> ingresses = new ArrayList<>();
  private final List<SharedIndexInformer<IngressClass>> classes = new ArrayList<>();
  private final List<SharedIndexInformer<Service>> services = new ArrayList<>();
  private final List<SharedIndexInformer<EndpointSlice>> slices = new ArrayList<>();
  private final List<SharedIndexInformer<Secret>> secrets = new ArrayList<>();
  private final List<TlsSecretStore> tlsSecretStores = new ArrayList<>();
  private final List<SharedIndexInformer<TLSPassthroughRoute>> routes = new ArrayList<>();
  private final ReferencedSecrets referencedSecrets;
  private SharedIndexInformer<Service> publishService;
  private SharedIndexInformer<Secret> challengeSecret;

  ClusterCache(KubernetesClient client, Set<String> namespaces, Runnable onChange) {
    this.client = Objects.requireNonNull(client, "client");
    this.namespaces = Set.copyOf(namespaces);
    this.onChange = Objects.requireNonNull(onChange, "onChange");
    this.referencedSecrets = new ReferencedSecrets(client, onChange, REFERENCED_SECRET_WAIT);
  }

  /** Creates and starts the informers; returns at once (sync is reported by {@link #synced()}). */
  synchronized void start(String publishServiceKey) {
    start(publishServiceKey, null);
  }

  /**
   * As {@link #start(String)}, also watching the ACME challenge Secret in {@code
   * challengeNamespace} (when not {@code null}).
   */
  synchronized void start(String publishServiceKey, String challengeNamespace) {
    if (!all.isEmpty()) {
      throw new IllegalStateException("already started");
    }
    perNamespace(ingresses, ns -> ns == null
        ? client.network().v1().ingresses().inAnyNamespace()
        : client.network().v1().ingresses().inNamespace(ns));
    classes.add(start(client.network().v1().ingressClasses()));
    perNamespace(services, ns -> ns == null
        ? client.services().inAnyNamespace()
        : client.services().inNamespace(ns));
    perNamespace(slices, ns -> ns == null
        ? client.discovery().v1().endpointSlices().inAnyNamespace()
        : client.discovery().v1().endpointSlices().inNamespace(ns));
    // TLS Secrets: listed and watched by type, but only the referenced ones keep their keys
    if (namespaces.isEmpty()) {
      startTlsSecrets(client.secrets().inAnyNamespace().withField("type", TLS_SECRET_TYPE));
    } else {
      for (String ns : namespaces) {
        startTlsSecrets(client.secrets().inNamespace(ns).withField("type", TLS_SECRET_TYPE));
      }
    }
    perNamespace(routes, ns -> ns == null
        ? client.resources(TLSPassthroughRoute.class).inAnyNamespace()
        : client.resources(TLSPassthroughRoute.class).inNamespace(ns));
    if (publishServiceKey != null) {
      String[] nsName = publishServiceKey.split("/", 2);
      publishService = start(client.services().inNamespace(nsName[0]).withName(nsName[1]));
    }
    if (challengeNamespace != null) {
      challengeSecret = start(
          client.secrets().inNamespace(challengeNamespace).withName(ChallengeSecret.NAME));
    }
  }

  /** The pending ACME challenges the leader published; empty without ACME or before the first list. */
  AcmeChallenges acmeChallenges() {
    SharedIndexInformer<Secret> inf = challengeSecret;
    if (inf == null) {
      return AcmeChallenges.empty();
    }
    // The name selector asks for this one Secret; the filter keeps that promise should a server (or
    // a test double) ignore it.
    return inf.getStore().list().stream()
        .filter(s -> ChallengeSecret.NAME.equals(s.getMetadata().getName()))
        .findFirst().map(ChallengeSecret::decode).orElse(AcmeChallenges.empty());
  }

  /** True once every informer has listed its resources (the first complete picture). */
  boolean synced() {
    List<SharedIndexInformer<?>> snapshot;
    synchronized (this) {
      snapshot = List.copyOf(all);
    }
    return !snapshot.isEmpty() && snapshot.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  /**
   * The cached objects, as the translator takes them. First starts (and briefly waits for) or stops
   * the watches on Secrets that Ingresses reference as CA bundles, so the Secrets returned match
   * the Ingresses returned.
   */
  ClusterState state() {
    List<Ingress> ingressList = items(ingresses);
    referencedSecrets.sync(ingressList);
    Set<String> tlsReferences = TlsSecretStore.references(ingressList);
    List<Secret> secretList = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    List<Secret> tlsSecrets = new ArrayList<>();
    for (TlsSecretStore store : tlsSecretStores) {
      store.reference(tlsReferences);
      tlsSecrets.addAll(store.full());
    }
    for (Secret s : tlsSecrets) {
      // The field selector already asks for these only; this keeps the contract if a server (or a
      // test double) ignores it.
      if (TLS_SECRET_TYPE.equals(s.getType()) && keys.add(key(s))) {
        secretList.add(s);
      }
    }
    for (Secret s : referencedSecrets.secrets()) {
      if (keys.add(key(s))) {
        secretList.add(s);
      }
    }
    return new ClusterState(ingressList, items(classes), items(services), items(slices),
        List.of(), secretList, items(routes));
  }

  /** Whether the TLS Secret {@code namespace/name} is cached with its keys (tests). */
  boolean holdsTlsKeys(String key) {
    return tlsSecretStores.stream().anyMatch(s -> s.holdsData(key));
  }

  /** How many CA Secrets are watched by name (see {@link ReferencedSecrets}). */
  int referencedSecretWatches() {
    return referencedSecrets.watchedCount();
  }

  private static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  /** The {@code --publish-service} Service, when configured and present. */
  Optional<Service> publishService() {
    SharedIndexInformer<Service> inf = publishService;
    return inf == null ? Optional.empty() : inf.getStore().list().stream().findFirst();
  }

  @Override
  public synchronized void close() {
    referencedSecrets.close();
    for (SharedIndexInformer<?> i : all) {
      try {
        i.close();
      } catch (RuntimeException e) {
        log.debug("closing informer", e);
      }
    }
    all.clear();
  }

  private <T extends HasMetadata> void perNamespace(
      List<SharedIndexInformer<T>> into, Function<String, Informable<T>> source) {
    if (namespaces.isEmpty()) {
      into.add(start(source.apply(null)));
    } else {
      for (String ns : namespaces) {
        into.add(start(source.apply(ns)));
      }
    }
  }

  private void startTlsSecrets(
      io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable<
              Secret, io.fabric8.kubernetes.api.model.SecretList, ?>
          source) {
    TlsSecretStore store =
        new TlsSecretStore(
            new TlsSecretStore.Fetcher() {
              @Override
              public Secret get(String namespace, String name) {
                // a list by name, not a GET: the chart grants list/watch on Secrets, and get
                // only with ACME on (least privilege)
                return client
                    .secrets()
                    .inNamespace(namespace)
                    .withField("metadata.name", name)
                    .list()
                    .getItems()
                    .stream()
                    .filter(s -> name.equals(s.getMetadata().getName()))
                    .findFirst()
                    .orElse(null);
              }

              @Override
              public List<Secret> list() {
                return source.list().getItems();
              }
            },
            onChange);
    tlsSecretStores.add(store);
    secrets.add(start(source, store));
  }

  private <T extends HasMetadata> SharedIndexInformer<T> start(Informable<T> source) {
    return start(source, null);
  }

  /** Starts an informer on {@code source}, keeping its items in {@code store} (null: fabric8's). */
  private <T extends HasMetadata> SharedIndexInformer<T> start(
      Informable<T> source, io.fabric8.kubernetes.client.informers.cache.ItemStore<T> store) {
    SharedIndexInformer<T> informer = source.runnableInformer(0);
    if (store != null) {
      informer.itemStore(store);
    }
    informer.addEventHandler(new ChangeHandler<>());
    all.add(informer);
    // start() is asynchronous: it lists and watches in the background. fabric8's default gives up
    // for good when the FIRST list fails (API server not reachable yet, e.g. during a control-plane
    // restart), which would leave this replica unready forever; keep retrying (fabric8 backs off
    // up to ~32 s) so a controller started before its API server is simply not ready until then.
    informer.exceptionHandler((started, error) -> true);
    informer.start();
    return informer;
  }

  private static <T> List<T> items(List<SharedIndexInformer<T>> informers) {
    if (informers.size() == 1) {
      return informers.getFirst().getStore().list();
    }
    List<T> out = new ArrayList<>();
    for (SharedIndexInformer<T> i : informers) {
      out.addAll(i.getStore().list());
    }
    return out;
  }

  /** Marks the state dirty, except for updates that cannot change the translation. */
  private final class ChangeHandler<T extends HasMetadata> implements ResourceEventHandler<T> {
    @Override
    public void onAdd(T obj) {
      onChange.run();
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
      if (relevant(oldObj, newObj)) {
        onChange.run();
      }
    }

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {
      onChange.run();
    }
  }

  /**
   * Sluice's own status writes on Ingresses and routes come back as updates; the translator reads
   * only spec and metadata of those, so an update with the same generation, labels and annotations
   * is skipped. Other kinds (a Service's status is its load balancer address) count every new
   * resourceVersion.
   */
  static boolean relevant(HasMetadata oldObj, HasMetadata newObj) {
    var o = oldObj.getMetadata();
    var n = newObj.getMetadata();
    if (Objects.equals(o.getResourceVersion(), n.getResourceVersion())) {
      return false; // a resync, not a change
    }
    if ((newObj instanceof Ingress || newObj instanceof TLSPassthroughRoute)
        && n.getGeneration() != null) {
      return !Objects.equals(o.getGeneration(), n.getGeneration())
          || !Objects.equals(nullToEmpty(o.getAnnotations()), nullToEmpty(n.getAnnotations()))
          || !Objects.equals(nullToEmpty(o.getLabels()), nullToEmpty(n.getLabels()));
    }
    return true;
  }

  private static Map<String, String> nullToEmpty(Map<String, String> m) {
    return m == null ? Map.of() : m;
  }
}

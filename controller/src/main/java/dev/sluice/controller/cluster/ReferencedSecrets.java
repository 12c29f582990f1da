package dev.sluice.controller.cluster;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Secrets of any type that Ingresses name in {@code sluice.dev/proxy-ssl-secret} (a CA bundle,
 * usually an Opaque Secret) or {@code auth-secret} (an htpasswd file) or {@code jwt-secret} (JWT verification keys; see {@link #ANNOTATIONS}), each watched by its own single-object informer (a watch with the
 * field selector {@code metadata.name=NAME} in the Ingress's namespace).
 *
 * <p>Why not one informer for all Secrets: that would list and cache every Secret of the watched
 * namespaces (service-account tokens, Helm releases, passwords) just to read a few CA bundles.
 * Why watches rather than a GET per rebuild: a CA bundle rotated in place must reach the data plane
 * like any other change, and a GET per rebuild would put API calls on every translation. The cost
 * is one watch per distinct referenced Secret; CA bundles are shared by many Ingresses, so that
 * set stays small.
 *
 * <p>Only references the translator would accept are watched: the annotation's value is {@code
 * name} or {@code namespace/name} with the Ingress's own namespace (a reference into another
 * namespace is refused by the translator and never fetched here).
 *
 * <p>Threading: {@link #sync} and {@link #close} run on the rebuild thread (close also from the
 * thread closing the controller, hence synchronized); {@link #secrets} may be called from any
 * thread. Informer callbacks only call {@code onChange}.
 */
final class ReferencedSecrets implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReferencedSecrets.class);
  static final String ANNOTATION = "sluice.dev/proxy-ssl-secret";
  /**
   * Every annotation that names a Secret in the Ingress's namespace: CA bundles, htpasswd files
   * ({@code auth-secret}) and JWT keys ({@code jwt-secret}), under both prefixes (ingress-nginx's
   * is only read by the translator when that is on; watching one Secret too many then is
   * harmless).
   */
  static final List<String> ANNOTATIONS =
      List.of(
          ANNOTATION,
          "nginx.ingress.kubernetes.io/proxy-ssl-secret",
          "sluice.dev/auth-secret",
          "nginx.ingress.kubernetes.io/auth-secret",
          "sluice.dev/jwt-secret",
          "nginx.ingress.kubernetes.io/jwt-secret");

  private final KubernetesClient client;
  private final Runnable onChange;
  private final Duration firstSyncWait;
  /** namespace/name -> its informer. */
  private final Map<String, SharedIndexInformer<Secret>> watched = new HashMap<>();
  private boolean closed;

  /**
   * @param firstSyncWait how long {@link #sync} waits for a newly referenced Secret's first list,
   *     so the translation that first sees the reference also sees the Secret (rather than
   *     reporting it missing for one rebuild)
   */
  ReferencedSecrets(KubernetesClient client, Runnable onChange, Duration firstSyncWait) {
    this.client = Objects.requireNonNull(client, "client");
    this.onChange = Objects.requireNonNull(onChange, "onChange");
    this.firstSyncWait = Objects.requireNonNull(firstSyncWait, "firstSyncWait");
  }

  /** The {@code namespace/name} keys the given Ingresses reference through {@link #ANNOTATIONS}. */
  static Set<String> references(List<Ingress> ingresses) {
    Set<String> keys = new TreeSet<>();
    for (Ingress ing : ingresses) {
      var meta = ing.getMetadata();
      if (meta == null || meta.getAnnotations() == null || meta.getNamespace() == null) {
        continue;
      }
      for (String annotation : ANNOTATIONS) {
        String value = meta.getAnnotations().get(annotation);
        if (value != null) {
          addReference(keys, meta.getNamespace(), value);
        }
      }
    }
    return keys;
  }

  private static void addReference(Set<String> keys, String namespace, String value) {
    String ref = value.trim();
    String name = ref;
    int slash = ref.indexOf('/');
    if (slash >= 0) {
      if (!ref.substring(0, slash).equals(namespace)) {
        return; // another namespace: the translator refuses it, so it is never read
      }
      name = ref.substring(slash + 1);
    }
    if (!name.isEmpty() && name.indexOf('/') < 0) {
      keys.add(namespace + "/" + name);
    }
  }

  /**
   * Watches exactly the Secrets {@code ingresses} reference: starts informers for new references
   * (waiting up to {@code firstSyncWait} for their first list) and stops those no longer named.
   */
  synchronized void sync(List<Ingress> ingresses) {
    if (closed) {
      return;
    }
    Set<String> wanted = references(ingresses);
    for (var it = watched.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!wanted.contains(e.getKey())) {
        closeQuietly(e.getValue());
        it.remove();
      }
    }
    List<CompletionStage<Void>> started = new ArrayList<>();
    for (String key : wanted) {
      if (!watched.containsKey(key)) {
        String[] nsName = key.split("/", 2);
        SharedIndexInformer<Secret> informer =
            client.secrets().inNamespace(nsName[0]).withName(nsName[1]).runnableInformer(0);
        informer.addEventHandler(new Handler());
        // retry a failed first list for ever (API server restarting, 429): fabric8's default
        // stops the informer for good, and the Secret would stay "not found" until a restart
        informer.exceptionHandler((isStarted, error) -> true);
        watched.put(key, informer);
        started.add(informer.start());
      }
    }
    long deadline = System.nanoTime() + firstSyncWait.toNanos();
    for (CompletionStage<Void> firstList : started) {
      awaitSync(firstList, deadline);
    }
  }

  /** The referenced Secrets that exist, from the informers' stores. */
  synchronized List<Secret> secrets() {
    List<Secret> out = new ArrayList<>();
    for (var e : watched.entrySet()) {
      for (Secret s : e.getValue().getStore().list()) {
        // The name selector asks for this one Secret only; checking keeps the promise should a
        // server (or a test double) ignore the selector.
        if (e.getKey().equals(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName())) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** How many Secrets are watched (one informer each). */
  synchronized int watchedCount() {
    return watched.size();
  }

  @Override
  public synchronized void close() {
    closed = true;
    watched.values().forEach(ReferencedSecrets::closeQuietly);
    watched.clear();
  }

  private static void awaitSync(CompletionStage<Void> firstList, long deadline) {
    long left = deadline - System.nanoTime();
    try {
      firstList.toCompletableFuture().get(Math.max(0, left), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // The API server is slow or unreachable: the informer keeps retrying and its first list
      // triggers a rebuild; until then the translator reports the Secret missing.
      log.debug("referenced Secret not listed within the wait; continuing");
    } catch (ExecutionException e) {
      log.warn("watching a referenced Secret: {}", e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(SharedIndexInformer<Secret> informer) {
    try {
      informer.close();
    } catch (RuntimeException e) {
      log.debug("closing a Secret informer", e);
    }
  }

  private final class Handler implements ResourceEventHandler<Secret> {
    @Override
    public void onAdd(Secret obj) {
      onChange.run();
    }

    @Override
    public void onUpdate(Secret oldObj, Secret newObj) {
      if (ClusterCache.relevant(oldObj, newObj)) {
        onChange.run();
      }
    }

    @Override
    public void onDelete(Secret obj, boolean deletedFinalStateUnknown) {
      onChange.run();
    }
  }
}

package dev.sluice.controller.cluster;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The item store of the TLS-Secret informer: it keeps the key material of the Secrets an Ingress
 * names in {@code spec.tls[].secretName} and only the name of every other one. The informer still
 * lists and watches {@code type=kubernetes.io/tls} in the watched namespaces (field selectors
 * cannot name a set of Secrets, and a watch per Secret does not scale to thousands of
 * certificates), but a private key no Ingress uses is dropped as it arrives and never sits in the
 * heap: what is cached is a stub with namespace, name and resourceVersion.
 *
 * <p>When an Ingress starts naming a Secret whose stub is cached, {@link #reference} fetches the
 * full Secret: one list by name each (the chart grants list and watch on Secrets, not get), or a
 * single list when many became referenced at once (the first
 * rebuild after start, when every stub was stored before any Ingress was known).
 *
 * <p>Threading: the informer's thread calls the {@link ItemStore} methods; {@link #reference} runs
 * on the rebuild thread. Every full-or-stub decision is made inside a {@code compute} on the key,
 * reading the reference set of that moment (replaced whole), so the two threads serialize per key:
 * a put that decided "stub" from the old references is seen as a stub by the rebuild that follows
 * and fetched, and a fetched Secret never replaces a full copy the informer stored meanwhile.
 */
final class TlsSecretStore implements ItemStore<Secret> {
  /** Above this many newly referenced stubs, one list of all is cheaper than one per name. */
  static final int LIST_THRESHOLD = 16;

  /** What fetches full Secrets: by namespace/name key, or all of them (the informer's selection). */
  interface Fetcher {
    Secret get(String namespace, String name);

    List<Secret> list();
  }

  private static final Logger log = LoggerFactory.getLogger(TlsSecretStore.class);

  /** A cached Secret: the full object, or a name-only stub of it. */
  private record Entry(Secret secret, boolean stub) {}

  // every decision (full or stub) is made inside a compute on the key, reading the references of
  // that moment, so the informer's puts and the rebuild thread's changes serialize per key
  private final ConcurrentHashMap<String, Entry> items = new ConcurrentHashMap<>();
  private final Fetcher fetcher;
  private final Runnable retry;
  private volatile Set<String> referenced = Set.of();

  /**
   * @param retry called (a second later) when a fetch failed, so that a rebuild tries again; the
   *     translator meanwhile reports the Secret as not found
   */
  TlsSecretStore(Fetcher fetcher, Runnable retry) {
    this.fetcher = fetcher;
    this.retry = retry;
  }

  /** The {@code namespace/name} keys of the Secrets {@code ingresses} name under {@code spec.tls}. */
  static Set<String> references(List<Ingress> ingresses) {
    Set<String> keys = new HashSet<>();
    for (Ingress ing : ingresses) {
      String ns = ing.getMetadata() == null ? null : ing.getMetadata().getNamespace();
      List<IngressTLS> tls = ing.getSpec() == null ? null : ing.getSpec().getTls();
      if (ns == null || tls == null) {
        continue;
      }
      for (IngressTLS t : tls) {
        if (t != null && t.getSecretName() != null && !t.getSecretName().isEmpty()) {
          keys.add(ns + "/" + t.getSecretName());
        }
      }
    }
    return keys;
  }

  /**
   * Makes {@code keys} the referenced set: later puts keep their key material, and the stubs among
   * them are fetched now. Rebuild thread only.
   */
  void reference(Set<String> keys) {
    Set<String> before = referenced;
    referenced = Set.copyOf(keys); // puts from now on keep key material for these
    for (String k : before) { // no longer named: drop the key material now, not at its next change
      if (!keys.contains(k)) {
        items.computeIfPresent(
            k,
            (key, cur) ->
                cur.stub() || referenced.contains(key) ? cur : new Entry(stub(cur.secret()), true));
      }
    }
    List<String> missing = new ArrayList<>();
    for (String k : keys) {
      // a compute, not a get: it waits for a put in progress on k, which may have decided "stub"
      // from the references before the assignment above
      items.computeIfPresent(
          k,
          (key, cur) -> {
            if (cur.stub()) {
              missing.add(key);
            }
            return cur;
          });
    }
    if (missing.isEmpty()) {
      return;
    }
    try {
      fetch(missing);
    } catch (RuntimeException e) { // API server unreachable, forbidden ...
      log.warn("fetching {} referenced TLS Secret(s): {}; retrying", missing.size(), e.toString());
      CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(retry);
    }
  }

  private void fetch(List<String> missing) {
    if (missing.size() > LIST_THRESHOLD) {
      Set<String> wanted = new HashSet<>(missing);
      for (Secret s : fetcher.list()) {
        String k = key(s);
        if (wanted.contains(k)) {
          fill(k, s);
        }
      }
    } else {
      for (String k : missing) {
        String[] nsName = k.split("/", 2);
        fill(k, fetcher.get(nsName[0], nsName[1]));
      }
    }
  }

  /** A fetched Secret replaces the stub, unless the informer stored its full copy meanwhile. */
  private void fill(String key, Secret full) {
    if (full == null) {
      return; // deleted since: the informer's delete removes the stub
    }
    items.computeIfPresent(
        key,
        (k, cur) -> cur.stub() && referenced.contains(k) ? new Entry(full, false) : cur);
  }

  /** Whether the store holds {@code key}'s key material (tests). */
  boolean holdsData(String key) {
    Entry e = items.get(key);
    return e != null && !e.stub();
  }

  @Override
  public String getKey(Secret obj) {
    return key(obj);
  }

  @Override
  public Secret put(String key, Secret obj) {
    Entry[] previous = new Entry[1];
    items.compute(
        key,
        (k, cur) -> {
          previous[0] = cur;
          return referenced.contains(k) ? new Entry(obj, false) : new Entry(stub(obj), true);
        });
    return previous[0] == null ? null : previous[0].secret();
  }

  @Override
  public Secret remove(String key) {
    Entry e = items.remove(key);
    return e == null ? null : e.secret();
  }

  @Override
  public Stream<String> keySet() {
    return items.keySet().stream();
  }

  @Override
  public Stream<Secret> values() {
    return items.values().stream().map(Entry::secret);
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public Secret get(String key) {
    Entry e = items.get(key);
    return e == null ? null : e.secret();
  }

  /** The full Secrets (stubs left out). */
  List<Secret> full() {
    List<Secret> out = new ArrayList<>();
    for (Entry e : items.values()) {
      if (!e.stub()) {
        out.add(e.secret());
      }
    }
    return out;
  }

  static String key(Secret s) {
    return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
  }

  /**
   * Name, namespace, uid, resourceVersion and type only: no data, no annotations (kubectl's
   * last-applied-configuration annotation holds the whole Secret), no labels, no managed fields.
   */
  static Secret stub(Secret s) {
    ObjectMeta m = s.getMetadata();
    return new SecretBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withNamespace(m.getNamespace())
                .withName(m.getName())
                .withUid(m.getUid())
                .withResourceVersion(m.getResourceVersion())
                .withGeneration(m.getGeneration())
                .build())
        .withType(s.getType())
        .build();
  }
}

package dev.sluice.controller.translate;

import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The working state of one translation, passed through the processors in order. Each processor
 * reads what earlier ones left here and adds its own output. Confined to the translating thread and
 * discarded when the translation returns.
 */
final class TranslationContext {
  final TranslatorSettings settings;
  final ClusterState state;
  final ClusterIndex index;
  final BackendResolver backends;

  /** Ingresses Sluice serves, oldest first (set by {@link IngressClassFilter}). */
  final List<Ingress> ingresses = new ArrayList<>();

  /** Upstream TLS annotations of Ingresses that have any (set by {@link UpstreamTlsProcessor}). */
  final Map<Ingress, UpstreamTlsAnnotations> upstreamTls = new IdentityHashMap<>();
  /** Each served Ingress's parsed policy (set by {@link PolicyProcessor}). */
  final Map<Ingress, IngressPolicy> policies = new IdentityHashMap<>();

  /** Load balancing of Ingresses that choose any (set by {@link LoadBalancingAnnotations}). */
  final Map<Ingress, LoadBalancingAnnotations.Balancing> balancing = new IdentityHashMap<>();
  /** Canary Ingresses (set by {@link CanaryAnnotations}). */
  final Map<Ingress, CanaryAnnotations.Spec> canaries = new IdentityHashMap<>();
  /** Paths of canary Ingresses, attached to their main routes after all rules are in. */
  final List<CanaryRoutes.Pending> canaryPaths = new ArrayList<>();

  private final Map<Ingress, IngressAnnotations> annotations = new IdentityHashMap<>();

  /** TLSPassthroughRoutes Sluice serves, oldest first (set by {@link IngressClassFilter}). */
  final List<TLSPassthroughRoute> passthroughRoutes = new ArrayList<>();

  /** SNI host -> namespace/name of the passthrough route that holds it. */
  final Map<String, String> passthroughHosts = new HashMap<>();

  final List<PassthroughRoute> passthrough = new ArrayList<>();
  final List<Certificate> certificates = new ArrayList<>();

  /** Host pattern -> routes in Ingress order; sorted by host so the snapshot reads stably. */
  final Map<String, List<HttpRoute>> virtualHosts = new TreeMap<>();

  /** host + path type + path -> namespace/name of the Ingress that routes it first. */
  private final Map<String, String> pathOwners = new LinkedHashMap<>();

  final List<ResourceProblem> problems = new ArrayList<>();

  /** ACME challenges, issued certificates and order failures (never null). */
  final AcmeSource acme;

  /** Secret namespace/name -> what ACME should hold there (set by {@link AcmeProcessor}). */
  final Map<String, AcmeDemand> acmeDemands = new TreeMap<>();

  dev.sluice.dataplane.snapshot.AcmeChallenges acmeChallenges =
      dev.sluice.dataplane.snapshot.AcmeChallenges.empty();

  TranslationContext(TranslatorSettings settings, ClusterState state) {
    this(settings, state, AcmeSource.NONE);
  }

  TranslationContext(TranslatorSettings settings, ClusterState state, AcmeSource acme) {
    this.acme = acme;
    this.settings = settings;
    this.state = state;
    this.index = new ClusterIndex(state);
    this.backends = new BackendResolver(index);
  }

  /** The policy annotations of {@code ing}, read through one object per translation. */
  IngressAnnotations annotations(Ingress ing) {
    return annotations.computeIfAbsent(
        ing, i -> new IngressAnnotations(i, this, settings.nginxAnnotations()));
  }

  /** {@code ing}'s parsed policy ({@link IngressPolicy#DEFAULT} before {@link PolicyProcessor}). */
  IngressPolicy policy(Ingress ing) {
    return policies.getOrDefault(ing, IngressPolicy.DEFAULT);
  }

  void problem(String kind, HasMetadata o, Reason reason, String message) {
    // messages quote user values; one line always, so none can forge a log line or an Event
    problems.add(
        new ResourceProblem(
            kind, Resources.namespace(o), Resources.name(o), reason, oneLine(message)));
  }

  /** Control characters escaped ({@code \n}, {@code \xNN}); nothing cut. */
  static String oneLine(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        StringBuilder sb = new StringBuilder(s.length() + 8).append(s, 0, i);
        for (; i < s.length(); i++) {
          c = s.charAt(i);
          switch (c) {
            case '\n' -> sb.append("\\n");
            case '\r' -> sb.append("\\r");
            case '\t' -> sb.append("\\t");
            default -> {
              if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
              } else {
                sb.append(c);
              }
            }
          }
        }
        return sb.toString();
      }
    }
    return s;
  }

  /**
   * Adds {@code route} under {@code host} unless an earlier Ingress already routes the same host,
   * path type and path.
   *
   * @return the namespace/name of the earlier owner, or {@code null} when the route was added
   */
  String addRoute(String host, HttpRoute route, String ownerKey) {
    String key = host + " " + route.pathType() + " " + route.path();
    String owner = pathOwners.putIfAbsent(key, ownerKey);
    if (owner != null && !owner.equals(ownerKey)) {
      return owner;
    }
    if (owner == null) {
      virtualHosts.computeIfAbsent(host, h -> new ArrayList<>()).add(route);
    }
    return null;
  }
}

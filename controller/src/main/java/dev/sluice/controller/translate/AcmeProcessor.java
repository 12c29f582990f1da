package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Ingresses annotated {@value #ANNOTATION}{@code : "true"} to {@link AcmeDemand}s, one per
 * referenced Secret, and the pending ACME challenges into the snapshot. Runs after the passthrough
 * routes claimed their hosts (a passed-through host is never ordered: its TLS is the backend's) and
 * before {@link TlsCertificateProcessor}, which serves issued certificates from {@link AcmeSource}
 * for these Secrets. Wildcard hosts cannot be validated by HTTP-01 or TLS-ALPN-01 and are reported.
 */
final class AcmeProcessor implements Processor {
  static final String ANNOTATION = "sluice.dev/acme";
  private static final String NAME = "acme";

  private static final class Wanted {
    final TreeSet<String> hosts = new TreeSet<>();
    final List<String> ingresses = new ArrayList<>();
  }

  @Override
  public void process(TranslationContext ctx) {
    ctx.acmeChallenges = ctx.acme.challenges();
    Map<String, Wanted> wanted = new TreeMap<>();
    for (Ingress ing : ctx.ingresses) {
      String value = ctx.annotations(ing).get(NAME); // Sluice's own: ingress-nginx has none
      if (value == null || value.strip().equalsIgnoreCase("false")) {
        continue;
      }
      if (!value.strip().equalsIgnoreCase("true")) {
        ctx.problem("Ingress", ing, Reason.InvalidSpec,
            ANNOTATION + " must be \"true\" or \"false\", not \"" + value + "\"; no certificate ordered");
        continue;
      }
      List<IngressTLS> tls = ing.getSpec() == null ? null : ing.getSpec().getTls();
      if (tls == null || tls.isEmpty()) {
        ctx.problem("Ingress", ing, Reason.InvalidSpec,
            ANNOTATION + " is set but spec.tls lists no host and secretName; nothing to order");
        continue;
      }
      for (IngressTLS t : tls) {
        if (t == null || t.getSecretName() == null || t.getSecretName().isEmpty()
            || t.getHosts() == null || t.getHosts().isEmpty()) {
          ctx.problem("Ingress", ing, Reason.InvalidSpec,
              "a spec.tls entry without hosts or secretName cannot get an ACME certificate");
          continue;
        }
        Wanted w = wanted.computeIfAbsent(
            Resources.namespace(ing) + "/" + t.getSecretName(), k -> new Wanted());
        if (!w.ingresses.contains(Resources.key(ing))) {
          w.ingresses.add(Resources.key(ing));
        }
        for (String h : t.getHosts()) {
          if (h == null || h.isEmpty() || ctx.passthroughHosts.containsKey(h.toLowerCase(Locale.ROOT))) {
            continue;
          }
          if (h.startsWith("*.")) {
            ctx.problem("Ingress", ing, Reason.InvalidSpec, "wildcard host " + h
                + " needs a DNS-01 challenge, which Sluice does not do; not ordered");
            continue;
          }
          w.hosts.add(h.toLowerCase(Locale.ROOT));
        }
      }
    }
    for (Map.Entry<String, Wanted> e : wanted.entrySet()) {
      if (e.getValue().hosts.isEmpty()) {
        continue;
      }
      String key = e.getKey();
      int slash = key.indexOf('/');
      String ns = key.substring(0, slash);
      String name = key.substring(slash + 1);
      Secret input = ctx.index.tlsSecret(ns, name);
      String chain = null;
      if (input != null) {
        try {
          chain = TlsCertificateProcessor.value(input, TlsCertificateProcessor.CERT_KEY);
        } catch (IllegalArgumentException ex) {
          chain = null; // unusable: as good as missing, an order replaces it
        }
      }
      AcmeDemand demand = new AcmeDemand(ns, name, List.copyOf(e.getValue().hosts),
          e.getValue().ingresses, chain);
      ctx.acmeDemands.put(key, demand);
      Optional<String> failure = ctx.acme.failure(ns, name);
      if (failure.isPresent()) {
        for (String ingKey : demand.ingresses()) {
          ctx.problems.add(new ResourceProblem("Ingress", ns, ingKey.substring(ingKey.indexOf('/') + 1),
              Reason.AcmeOrderFailed, "certificate for Secret " + key + ": " + failure.get()));
        }
      }
    }
  }
}

package dev.sluice.controller.translate;

import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressSpec;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Takes objects over the {@link TranslatorLimits} out of the translation before any other
 * processor sees them (it runs right after {@link IngressClassFilter}), with one {@link
 * Reason#LimitExceeded} or {@link Reason#InvalidSpec} problem naming the limit. Each check is one
 * pass that stops at the first violation, so a hostile object costs at most a scan of its own size.
 */
final class LimitsProcessor implements Processor {

  @Override
  public void process(TranslationContext ctx) {
    for (Iterator<Ingress> it = ctx.ingresses.iterator(); it.hasNext(); ) {
      Ingress ing = it.next();
      if (!acceptable(ctx, "Ingress", ing, ingressViolation(ing))) {
        it.remove();
      }
    }
    for (Iterator<TLSPassthroughRoute> it = ctx.passthroughRoutes.iterator(); it.hasNext(); ) {
      TLSPassthroughRoute r = it.next();
      if (!acceptable(ctx, TLSPassthroughRoute.KIND, r, routeViolation(r))) {
        it.remove();
      }
    }
  }

  private record Violation(Reason reason, String message) {}

  private static boolean acceptable(TranslationContext ctx, String kind, HasMetadata o, Violation v) {
    if (v == null) {
      return true;
    }
    ctx.problem(kind, o, v.reason(), v.message() + "; the " + kind + " is not served");
    return false;
  }

  private static Violation limit(String what, long actual, String constant, long max) {
    return new Violation(
        Reason.LimitExceeded,
        what + " is " + actual + ", over the limit of " + max + " " + TranslatorLimits.marker(constant));
  }

  private static Violation ingressViolation(Ingress ing) {
    Violation v = annotations(ing);
    if (v != null) {
      return v;
    }
    IngressSpec spec = ing.getSpec();
    if (spec == null) {
      return null;
    }
    List<IngressRule> rules = spec.getRules();
    if (rules != null) {
      if (rules.size() > TranslatorLimits.MAX_RULES_PER_INGRESS) {
        return limit("spec.rules count", rules.size(), "MAX_RULES_PER_INGRESS",
            TranslatorLimits.MAX_RULES_PER_INGRESS);
      }
      long paths = 0;
      for (int r = 0; r < rules.size(); r++) {
        IngressRule rule = rules.get(r);
        if (rule == null) {
          continue;
        }
        v = host("spec.rules[" + r + "].host", rule.getHost());
        if (v != null) {
          return v;
        }
        if (rule.getHttp() == null || rule.getHttp().getPaths() == null) {
          continue;
        }
        List<HTTPIngressPath> list = rule.getHttp().getPaths();
        paths += list.size();
        if (paths > TranslatorLimits.MAX_PATHS_PER_INGRESS) {
          return limit("the number of paths over spec.rules", countPaths(rules), "MAX_PATHS_PER_INGRESS",
              TranslatorLimits.MAX_PATHS_PER_INGRESS);
        }
        for (int i = 0; i < list.size(); i++) {
          v = path("spec.rules[" + r + "].http.paths[" + i + "].path", list.get(i));
          if (v != null) {
            return v;
          }
        }
      }
    }
    if (spec.getTls() != null) {
      long hosts = 0;
      for (IngressTLS tls : spec.getTls()) {
        if (tls == null || tls.getHosts() == null) {
          continue;
        }
        hosts += tls.getHosts().size();
        if (hosts > TranslatorLimits.MAX_RULES_PER_INGRESS) {
          return limit("the number of spec.tls hosts", hosts, "MAX_RULES_PER_INGRESS",
              TranslatorLimits.MAX_RULES_PER_INGRESS);
        }
        for (String h : tls.getHosts()) {
          if (h != null && h.length() > TranslatorLimits.MAX_HOST_LENGTH) {
            return limit("the length of a spec.tls host", h.length(), "MAX_HOST_LENGTH",
                TranslatorLimits.MAX_HOST_LENGTH);
          }
        }
      }
    }
    return null;
  }

  private static long countPaths(List<IngressRule> rules) {
    long n = 0;
    for (IngressRule rule : rules) {
      if (rule != null && rule.getHttp() != null && rule.getHttp().getPaths() != null) {
        n += rule.getHttp().getPaths().size();
      }
    }
    return n;
  }

  private static Violation host(String field, String host) {
    if (host == null || host.isEmpty()) {
      return null; // no host: the catch-all
    }
    if (host.length() > TranslatorLimits.MAX_HOST_LENGTH) {
      return limit("the length of " + field, host.length(), "MAX_HOST_LENGTH",
          TranslatorLimits.MAX_HOST_LENGTH);
    }
    // characters are IngressRuleProcessor's business (it skips that rule only); the length cap
    // here bounds what its check costs
    return null;
  }

  private static Violation path(String field, HTTPIngressPath p) {
    String path = p == null ? null : p.getPath();
    if (path == null) {
      return null; // IngressRuleProcessor reports a missing path
    }
    if (path.length() > TranslatorLimits.MAX_PATH_LENGTH) {
      return limit("the length of " + field, path.length(), "MAX_PATH_LENGTH",
          TranslatorLimits.MAX_PATH_LENGTH);
    }
    int bad = TranslatorLimits.invalidPathChar(path);
    if (bad >= 0) {
      return new Violation(Reason.InvalidSpec,
          field + " has character U+" + String.format("%04X", (int) path.charAt(bad)) + " at " + bad
              + ", which no HTTP request target can carry");
    }
    return null;
  }

  private static Violation routeViolation(TLSPassthroughRoute r) {
    Violation v = annotations(r);
    if (v != null || r.getSpec() == null || r.getSpec().getHostnames() == null) {
      return v;
    }
    List<String> hosts = r.getSpec().getHostnames();
    if (hosts.size() > TranslatorLimits.MAX_HOSTNAMES_PER_ROUTE) {
      return limit("spec.hostnames count", hosts.size(), "MAX_HOSTNAMES_PER_ROUTE",
          TranslatorLimits.MAX_HOSTNAMES_PER_ROUTE);
    }
    for (int i = 0; i < hosts.size(); i++) {
      String h = hosts.get(i);
      if (h != null && h.length() > TranslatorLimits.MAX_HOST_LENGTH) {
        return limit("the length of spec.hostnames[" + i + "]", h.length(), "MAX_HOST_LENGTH",
            TranslatorLimits.MAX_HOST_LENGTH);
      }
    }
    return null;
  }

  /** Keys plus values in UTF-8 bytes, as the API server counts them. */
  private static Violation annotations(HasMetadata o) {
    Map<String, String> a = o.getMetadata() == null ? null : o.getMetadata().getAnnotations();
    if (a == null) {
      return null;
    }
    long total = 0;
    for (Map.Entry<String, String> e : a.entrySet()) {
      total += utf8Length(e.getKey()) + utf8Length(e.getValue());
    }
    if (total > TranslatorLimits.MAX_ANNOTATIONS_BYTES) {
      return limit("the size of metadata.annotations (keys and values, bytes)", total,
          "MAX_ANNOTATIONS_BYTES", TranslatorLimits.MAX_ANNOTATIONS_BYTES);
    }
    return null;
  }

  private static long utf8Length(String s) {
    return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
  }
}

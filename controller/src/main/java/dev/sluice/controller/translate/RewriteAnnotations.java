package dev.sluice.controller.translate;

import dev.sluice.dataplane.routing.RegexPath;
import dev.sluice.dataplane.snapshot.HeaderValues;
import dev.sluice.dataplane.snapshot.RewritePolicy;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.util.regex.Pattern;

/**
 * {@code rewrite-target}, {@code use-regex}, {@code upstream-vhost} and {@code x-forwarded-prefix}
 * into {@link RewritePolicy}. With {@code use-regex} every ImplementationSpecific path of the
 * Ingress must compile as an RE2 expression ({@link RegexPath}); a target with {@code $1}..{@code
 * $9} needs {@code use-regex} (without it there are no groups to refer to).
 */
final class RewriteAnnotations implements PolicyAnnotation {
  static final String REWRITE_TARGET = "rewrite-target";
  static final String USE_REGEX = "use-regex";
  static final String UPSTREAM_VHOST = "upstream-vhost";
  static final String X_FORWARDED_PREFIX = "x-forwarded-prefix";
  private static final Pattern GROUP_REF = Pattern.compile("\\$[0-9]");
  private static final Pattern HOST =
      Pattern.compile(
          "([A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?\\.)*[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?\\.?(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?");

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    boolean regex = Booleans.read(a, USE_REGEX, false);
    String target = a.get(REWRITE_TARGET);
    String vhost = a.get(UPSTREAM_VHOST);
    String prefix = a.get(X_FORWARDED_PREFIX);
    if (target != null) {
      target = target.trim();
      if (!target.startsWith("/") || !HeaderValues.isValidValue(target) || target.contains(" ")) {
        throw a.invalid(REWRITE_TARGET, "must be a path starting with /, without blanks");
      }
      if (!regex && GROUP_REF.matcher(target).find()) {
        throw a.invalid(
            REWRITE_TARGET,
            "refers to capture groups ($1 ...) but use-regex is not \"true\": set "
                + IngressAnnotations.PREFIX
                + USE_REGEX
                + ": \"true\" and write the paths as"
                + " regular expressions");
      }
    }
    if (regex) {
      checkPaths(a);
    }
    if (vhost != null) {
      vhost = vhost.trim();
      if (!HOST.matcher(vhost).matches()) {
        throw a.invalid(UPSTREAM_VHOST, "must be a host name, optionally with :port");
      }
    }
    if (prefix != null) {
      prefix = prefix.trim();
      if (prefix.isEmpty() || !HeaderValues.isValidValue(prefix)) {
        throw a.invalid(X_FORWARDED_PREFIX, "must be a non-empty value without control characters");
      }
    }
    if (target != null || regex || vhost != null || prefix != null) {
      policy.rewrite(new RewritePolicy(target, regex, vhost, prefix));
    }
  }

  private static void checkPaths(IngressAnnotations a) throws InvalidAnnotation {
    var spec = a.ingress().getSpec();
    if (spec == null || spec.getRules() == null) {
      return;
    }
    for (IngressRule rule : spec.getRules()) {
      if (rule == null || rule.getHttp() == null || rule.getHttp().getPaths() == null) {
        continue;
      }
      for (HTTPIngressPath p : rule.getHttp().getPaths()) {
        if (p != null && "ImplementationSpecific".equals(p.getPathType()) && p.getPath() != null) {
          try {
            RegexPath.compile(p.getPath());
          } catch (IllegalArgumentException e) {
            throw a.invalid(USE_REGEX, "path " + e.getMessage());
          }
        }
      }
    }
  }
}

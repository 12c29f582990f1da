package dev.sluice.controller.translate;

import dev.sluice.controller.crd.TLSPassthroughRouteSpec;
import java.util.List;
import java.util.Optional;

/**
 * Bounds on one user object, checked by {@link LimitsProcessor} before anything of it is
 * translated. An object over any of them is left out whole with {@link
 * ResourceProblem.Reason#LimitExceeded} naming the limit, so a hostile or broken object (10,000
 * paths, a megabyte annotation) costs one linear scan and nothing more, and the snapshot for
 * everything else is built as if it were not there. In a cluster the API server caps an object at
 * about 1.5 MiB; the standalone manifest folder has no such cap, hence these. See docs/limits.md.
 */
public final class TranslatorLimits {

  /**
   * Paths over all rules of one Ingress. Real Ingresses have a few to a few hundred; 1,000 leaves
   * room for generated ones while keeping one object's share of a snapshot build small.
   */
  public static final int MAX_PATHS_PER_INGRESS = 1_000;

  /** Rules (hosts) of one Ingress, and hosts over its {@code spec.tls} entries; as for paths. */
  public static final int MAX_RULES_PER_INGRESS = 1_000;

  /**
   * Annotation keys plus values of one object, in bytes (UTF-8). The same total the Kubernetes API
   * server enforces (TotalAnnotationSizeLimitB, 256 KiB), so nothing valid in a cluster is refused.
   */
  public static final int MAX_ANNOTATIONS_BYTES = 256 * 1024;

  /** SNI host names of one TLSPassthroughRoute: what the CRD schema allows. */
  public static final int MAX_HOSTNAMES_PER_ROUTE = TLSPassthroughRouteSpec.MAX_HOSTNAMES;

  /** A DNS name (RFC 1123): at most 253 characters, labels of at most 63. */
  public static final int MAX_HOST_LENGTH = 253;

  public static final int MAX_LABEL_LENGTH = 63;

  /**
   * An Ingress path. The data plane refuses request lines over 8 KiB (431/414), so a longer path
   * could never match; 4 KiB is generous for any real route.
   */
  public static final int MAX_PATH_LENGTH = 4_096;

  /**
   * The limits a {@link ResourceProblem.Reason#LimitExceeded} problem can name, as the constant
   * names its message carries ({@code (TranslatorLimits.MAX_PATHS_PER_INGRESS)}): a closed set, so
   * it can label a metric.
   */
  public static final List<String> NAMES =
      List.of(
          "MAX_PATHS_PER_INGRESS",
          "MAX_RULES_PER_INGRESS",
          "MAX_ANNOTATIONS_BYTES",
          "MAX_HOSTNAMES_PER_ROUTE",
          "MAX_HOST_LENGTH",
          "MAX_PATH_LENGTH");

  private TranslatorLimits() {}

  /**
   * Which limit a problem reports, read back from the marker {@link LimitsProcessor} writes into
   * its message (the record keeps one message; this keeps the format and its reader side by side).
   *
   * @return one of {@link #NAMES}, or empty for a problem that is not {@code LimitExceeded}
   */
  public static Optional<String> exceeded(ResourceProblem p) {
    if (p.reason() != ResourceProblem.Reason.LimitExceeded) {
      return Optional.empty();
    }
    for (String name : NAMES) {
      if (p.message().contains(marker(name))) {
        return Optional.of(name);
      }
    }
    return Optional.empty();
  }

  /** How a {@code LimitExceeded} message names the limit it crossed. */
  static String marker(String name) {
    return "(TranslatorLimits." + name + ")";
  }

  /**
   * Whether {@code host} is an RFC 1123 DNS name, optionally behind a {@code *.} wildcard label: 1
   * to 253 characters, dot-separated labels of 1 to 63 letters, digits and hyphens, no label
   * starting or ending with a hyphen. Case-insensitive. A single linear pass; no regular expression,
   * so its cost never depends on how the input is shaped.
   */
  public static boolean isHostName(String host) {
    if (host == null || host.isEmpty() || host.length() > MAX_HOST_LENGTH) {
      return false;
    }
    int i = host.startsWith("*.") ? 2 : 0;
    int labelStart = i;
    for (; i <= host.length(); i++) {
      char c = i < host.length() ? host.charAt(i) : '.';
      if (c == '.') {
        int len = i - labelStart;
        if (len == 0
            || len > MAX_LABEL_LENGTH
            || host.charAt(labelStart) == '-'
            || host.charAt(i - 1) == '-') {
          return false;
        }
        labelStart = i + 1;
      } else if (!((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /**
   * The first character of {@code path} no HTTP request target can carry (controls, space, DEL,
   * non-ASCII; RFC 9112 3.2), or -1: a route with one could never match.
   */
  public static int invalidPathChar(String path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return i;
      }
    }
    return -1;
  }
}

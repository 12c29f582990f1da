package dev.sluice.dataplane.snapshot;

import java.util.Objects;

/**
 * One path of one host, sent to one backend group.
 *
 * @param name stable, human-readable identity used in logs and metrics, e.g. {@code
 *     default/web#0/prefix:/api}
 * @param pathType how {@link #path} matches (Kubernetes Ingress semantics)
 * @param path the path as written in the Ingress; starts with {@code /}
 * @param backend where matching requests go
 * @param policy per-route behaviour (timeouts, redirects, HSTS ...)
 * @param canary a second backend that takes some of the requests, or {@code null}
 */
public record HttpRoute(
    String name,
    PathType pathType,
    String path,
    BackendGroup backend,
    RoutePolicy policy,
    Canary canary) {

  public HttpRoute {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pathType, "pathType");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(policy, "policy");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with '/': " + path);
    }
  }

  /** A route without canary. */
  public HttpRoute(
      String name, PathType pathType, String path, BackendGroup backend, RoutePolicy policy) {
    this(name, pathType, path, backend, policy, null);
  }

  /** This route with {@code c} as its canary. */
  public HttpRoute withCanary(Canary c) {
    return new HttpRoute(name, pathType, path, backend, policy, c);
  }

  /** Kubernetes Ingress path types. */
  public enum PathType {
    /** The request path equals the path, case-sensitively. */
    EXACT,
    /** Element-wise prefix over {@code /}-separated segments; a trailing slash is ignored. */
    PREFIX,
    /** Left to the implementation; Sluice treats it as {@link #PREFIX}. */
    IMPLEMENTATION_SPECIFIC
  }
}

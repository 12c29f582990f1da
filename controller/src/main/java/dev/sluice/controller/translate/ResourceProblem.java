package dev.sluice.controller.translate;

import java.util.Objects;

/**
 * Something wrong with one user resource, in one line: which resource, a machine-readable reason
 * (it becomes a condition reason / Event reason in a cluster) and a human message.
 *
 * @param kind e.g. {@code Ingress}, {@code TLSPassthroughRoute}
 * @param namespace the resource's namespace ({@code default} when a manifest omits it)
 * @param name the resource's name ({@code <unnamed>} when a manifest omits it)
 */
public record ResourceProblem(String kind, String namespace, String name, Reason reason, String message) {

  public ResourceProblem {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }

  /** {@code Ingress default/web: BackendNotFound: service "web" not found} */
  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name + ": " + reason + ": " + message;
  }

  /** Why. Names follow Kubernetes condition-reason style (they end up there). */
  public enum Reason {
    /** The referenced Service does not exist. */
    BackendNotFound,
    /** The Service exists but has no port with that number or name. */
    PortNotFound,
    /** No Secret of type kubernetes.io/tls with that name in the namespace. */
    SecretNotFound,
    /** The Secret's tls.crt/tls.key is not an X.509 chain plus a matching private key. */
    InvalidCertificate,
    /** A field the API server would have rejected, or that Sluice does not support. */
    InvalidSpec,
    /**
     * The object is over one of the {@link TranslatorLimits} (too many paths, rules or host names, an
     * oversized annotation, host or path); it is left out whole. The message names the limit.
     */
    LimitExceeded,
    /** Another resource holds this host name (the older one wins). */
    HostnameConflict,
    /**
     * An ACME order for one of the resource's certificates failed; it is retried with backoff and
     * the previous (or the default) certificate is served meanwhile.
     */
    AcmeOrderFailed,
    /** An older Ingress already routes this host, path and path type; this one's path is ignored. */
    PathConflict,
    /**
     * A warning, not an error: annotations no part of Sluice reads (unknown {@code sluice.dev/}
     * names, ingress-nginx names Sluice does not implement or does not read); the resource is
     * served without them.
     */
    AnnotationIgnored,
    /**
     * Informational, not an error: the resource belongs to another ingress class or controller and
     * is not served by Sluice. A cluster controller should not write Events for it.
     */
    IngressClassMismatch
  }
}

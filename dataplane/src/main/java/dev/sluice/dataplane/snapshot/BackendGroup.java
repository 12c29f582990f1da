package dev.sluice.dataplane.snapshot;

import java.util.List;
import java.util.Objects;

/**
 * A set of interchangeable endpoints (the pods behind one Service port) and how to pick one.
 *
 * @param name stable identity, e.g. {@code default/web:8080}; used in logs, metrics and as the key
 *     under which load-balancer state survives snapshot swaps
 * @param endpoints all known endpoints; only {@link Endpoint#ready() ready} ones receive traffic
 * @param loadBalancing how an endpoint is picked
 * @param protocol what the endpoints speak
 * @param tls for {@link UpstreamProtocol#HTTPS} and {@link UpstreamProtocol#H2}: trust and SNI
 *     ({@link UpstreamTls#DEFAULT} when given as {@code null}); must be {@code null} for the other
 *     protocols
 * @param hashBy consistent hashing on this request key ({@code upstream-hash-by}) instead of
 *     {@link #loadBalancing}, which still serves requests without the key; {@code null}: none
 * @param affinity cookie session affinity over whichever of the two picks first; {@code null}: none
 */
public record BackendGroup(
    String name,
    List<Endpoint> endpoints,
    LoadBalancing loadBalancing,
    UpstreamProtocol protocol,
    UpstreamTls tls,
    HashKey hashBy,
    CookieAffinity affinity) {

  public BackendGroup {
    Objects.requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
    Objects.requireNonNull(loadBalancing, "loadBalancing");
    Objects.requireNonNull(protocol, "protocol");
    if (protocol.usesTls()) {
      tls = tls == null ? UpstreamTls.DEFAULT : tls;
    } else if (tls != null) {
      throw new IllegalArgumentException("tls settings given for a " + protocol + " backend: " + name);
    }
  }

  /** A group without hashing or affinity. */
  public BackendGroup(
      String name,
      List<Endpoint> endpoints,
      LoadBalancing loadBalancing,
      UpstreamProtocol protocol,
      UpstreamTls tls) {
    this(name, endpoints, loadBalancing, protocol, tls, null, null);
  }

  /** This group picked as given (the translator applies an Ingress's annotations with it). */
  public BackendGroup withBalancing(
      LoadBalancing loadBalancing, HashKey hashBy, CookieAffinity affinity) {
    return new BackendGroup(name, endpoints, loadBalancing, protocol, tls, hashBy, affinity);
  }

  /** A group with default TLS settings ({@link UpstreamTls#DEFAULT}) when {@code protocol} uses TLS. */
  public BackendGroup(
      String name, List<Endpoint> endpoints, LoadBalancing loadBalancing, UpstreamProtocol protocol) {
    this(name, endpoints, loadBalancing, protocol, null);
  }

  public boolean hasReadyEndpoint() {
    for (Endpoint e : endpoints) {
      if (e.ready() && e.weight() > 0) {
        return true;
      }
    }
    return false;
  }

  public enum LoadBalancing {
    /** Weighted round robin (smooth, in the manner of nginx). */
    ROUND_ROBIN,
    /** Two random choices, the one with fewer requests in flight per unit of weight wins. */
    LEAST_REQUEST,
    /** One weighted random choice, no state (Envoy's RANDOM). */
    RANDOM,
    /**
     * Peak EWMA (Finagle, ingress-nginx's {@code ewma}): two random choices, the one with the lower
     * decaying average of response latency times (requests in flight + 1), per unit of weight.
     */
    EWMA
  }

  public enum UpstreamProtocol {
    /** HTTP/1.1 over plain TCP. */
    HTTP,
    /** HTTP/1.1 over TLS (ALPN offers {@code http/1.1}). */
    HTTPS,
    /** HTTP/2 over plain TCP with prior knowledge. */
    H2C,
    /** HTTP/2 over TLS: ALPN offers {@code h2} only and a server that does not select it fails. */
    H2;

    /** Whether connections are TLS (and the group carries {@link UpstreamTls} settings). */
    public boolean usesTls() {
      return this == HTTPS || this == H2;
    }

    /** Whether requests are streams on multiplexed HTTP/2 connections. */
    public boolean http2() {
      return this == H2C || this == H2;
    }
  }
}

package dev.sluice.dataplane.snapshot;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * TLS passthrough: connections whose ClientHello names one of {@link #hostnames} are relayed as raw
 * bytes to {@link #backend}; the data plane never decrypts them.
 *
 * @param name stable identity, e.g. {@code default/db}
 * @param hostnames SNI names, exact or one-label {@code *.} wildcard, lower case
 * @param backend endpoints chosen by weight
 * @param proxyProtocol header sent to the backend before the client's bytes
 * @param connectTimeout to open a connection to an endpoint
 * @param idleTimeout a connection with no bytes either way for this long is closed
 */
public record PassthroughRoute(
    String name,
    List<String> hostnames,
    BackendGroup backend,
    ProxyProtocol proxyProtocol,
    Duration connectTimeout,
    Duration idleTimeout) {

  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

  public PassthroughRoute {
    Objects.requireNonNull(name, "name");
    hostnames = List.copyOf(hostnames);
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(proxyProtocol, "proxyProtocol");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
  }

  public enum ProxyProtocol {
    NONE,
    V1,
    V2
  }
}

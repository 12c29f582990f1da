package dev.sluice.controller.translate;

import java.util.List;
import java.util.Objects;

/**
 * One certificate Sluice should hold through ACME: a Secret named by {@code spec.tls[].secretName}
 * of Ingresses annotated {@code sluice.dev/acme: "true"}, for the union of the host names they list
 * with it. Found by the translator (which knows which Ingresses are served); acted on by the ACME
 * manager. Immutable.
 *
 * @param namespace the Ingresses' (and so the Secret's) namespace
 * @param secretName the Secret the certificate goes to
 * @param hosts the names the certificate must cover, lower case, sorted
 * @param ingresses {@code namespace/name} of the Ingresses asking for it
 * @param inputChainPem the chain of a TLS Secret by that name found in the input (informer cache or
 *     manifest folder), or {@code null}
 */
public record AcmeDemand(
    String namespace, String secretName, List<String> hosts, List<String> ingresses,
    String inputChainPem) {
  public AcmeDemand {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(secretName, "secretName");
    hosts = List.copyOf(hosts);
    ingresses = List.copyOf(ingresses);
  }

  /** {@code namespace/secretName} */
  public String key() {
    return namespace + "/" + secretName;
  }
}

package dev.sluice.dataplane.snapshot;

import java.util.List;
import java.util.Objects;

/**
 * A certificate for TLS termination, as PEM text. The data plane turns it into a TLS context once and
 * reuses that context for as long as the PEM is unchanged.
 *
 * @param name where it came from, e.g. {@code default/web-tls} (Secret namespace/name)
 * @param hostnames the SNI names it is served for (exact or {@code *.} wildcard), lower case
 * @param certificateChainPem leaf first, then intermediates
 * @param privateKeyPem PKCS#8 or PKCS#1/SEC1 PEM; never logged or shown on admin endpoints
 */
public record Certificate(
    String name, List<String> hostnames, String certificateChainPem, String privateKeyPem) {

  public Certificate {
    Objects.requireNonNull(name, "name");
    hostnames = List.copyOf(hostnames);
    Objects.requireNonNull(certificateChainPem, "certificateChainPem");
    Objects.requireNonNull(privateKeyPem, "privateKeyPem");
  }

  @Override
  public String toString() {
    return "Certificate[name=" + name + ", hostnames=" + hostnames + ", privateKey=<redacted>]";
  }
}

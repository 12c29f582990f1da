package dev.sluice.dataplane.tls;

/**
 * A certificate (or one of its host names) left out of a {@link CertificateTable}, and why. Meant
 * for logs, the admin page and Ingress status; never contains key material.
 */
public record CertificateProblem(String certificateName, String message) {

  @Override
  public String toString() {
    return "certificate " + certificateName + ": " + message;
  }
}

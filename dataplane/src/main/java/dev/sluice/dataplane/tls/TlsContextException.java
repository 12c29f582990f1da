package dev.sluice.dataplane.tls;

/** A certificate that cannot be turned into a TLS context; the message names the certificate. */
public final class TlsContextException extends Exception {

  private final String certificateName;

  TlsContextException(String certificateName, String problem, Throwable cause) {
    super("certificate " + certificateName + ": " + problem, cause);
    this.certificateName = certificateName;
  }

  /** {@link dev.sluice.dataplane.snapshot.Certificate#name()} of the offending certificate. */
  public String certificateName() {
    return certificateName;
  }
}

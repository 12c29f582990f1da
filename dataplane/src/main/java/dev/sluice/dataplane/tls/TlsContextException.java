package dev.sluice.dataplane.tls;

/** A certificate that cannot be turned into a TLS context; the message names the certificate. */
public final class TlsContextException extends Exception {

  private final String certificateName;

  private final String problem;

  TlsContextException(String certificateName, String problem, Throwable cause) {
    super("certificate " + certificateName + ": " + problem, cause);
    this.certificateName = certificateName;
    this.problem = problem;
  }

  /** What is wrong, without the certificate's name (for messages that already name it). */
  public String problem() {
    return problem;
  }

  /** {@link dev.sluice.dataplane.snapshot.Certificate#name()} of the offending certificate. */
  public String certificateName() {
    return certificateName;
  }
}

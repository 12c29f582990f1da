package dev.sluice.dataplane.tls;

/**
 * A ClientHello that cannot be parsed, or carries a value the data plane refuses (an invalid SNI
 * host name). The message says what is wrong and where, never the bytes themselves.
 */
public final class MalformedClientHelloException extends RuntimeException {

  private final boolean invalidServerName;

  MalformedClientHelloException(String message) {
    this(message, false);
  }

  MalformedClientHelloException(String message, boolean invalidServerName) {
    // no stack trace: these are expected on a public port and are counted, not debugged
    super(message, null, false, false);
    this.invalidServerName = invalidServerName;
  }

  /** True when the structure was sound but the SNI host name is not a valid DNS name. */
  public boolean invalidServerName() {
    return invalidServerName;
  }
}

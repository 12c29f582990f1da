package dev.sluice.dataplane.tls;

import java.util.Locale;

/** The protocol versions a terminating listener may be configured to accept as its minimum. */
public enum TlsVersion {
  TLS_1_2("TLSv1.2", ClientHelloInfo.TLS_1_2),
  TLS_1_3("TLSv1.3", ClientHelloInfo.TLS_1_3);

  private final String protocolName;
  private final int wireVersion;

  TlsVersion(String protocolName, int wireVersion) {
    this.protocolName = protocolName;
    this.wireVersion = wireVersion;
  }

  /** The JSSE / Netty name, e.g. {@code TLSv1.2}. */
  public String protocolName() {
    return protocolName;
  }

  /** The on-the-wire value, e.g. 0x0303. */
  public int wireVersion() {
    return wireVersion;
  }

  /** Accepts {@code TLSv1.2}, {@code VersionTLS12} (Traefik), {@code 1.2}; case-insensitive. */
  public static TlsVersion parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "tlsv1.2", "tls1.2", "versiontls12", "1.2" -> TLS_1_2;
      case "tlsv1.3", "tls1.3", "versiontls13", "1.3" -> TLS_1_3;
      default ->
          throw new IllegalArgumentException(
              "unsupported minimum TLS version '" + text + "' (TLSv1.2 or TLSv1.3)");
    };
  }
}

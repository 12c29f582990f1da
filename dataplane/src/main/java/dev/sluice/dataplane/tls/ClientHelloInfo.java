package dev.sluice.dataplane.tls;

import java.util.List;

/**
 * What the data plane learns from a TLS ClientHello before deciding between passthrough and
 * termination. Immutable.
 *
 * @param serverName the SNI host name, validated and lower case; {@code null} when the client sent
 *     none (an IP-literal client)
 * @param alpnProtocols the ALPN protocol names in the client's order of preference (e.g. {@code h2},
 *     {@code http/1.1}, {@code acme-tls/1}); empty when the client sent no ALPN extension
 * @param legacyVersion {@code ClientHello.legacy_version} (0x0303 for TLS 1.2 and 1.3 clients)
 * @param supportedVersions the {@code supported_versions} extension without GREASE values, empty
 *     when absent (pre-TLS 1.3 clients)
 */
public record ClientHelloInfo(
    String serverName, List<String> alpnProtocols, int legacyVersion, List<Integer> supportedVersions) {

  public static final int SSL_3_0 = 0x0300;
  public static final int TLS_1_0 = 0x0301;
  public static final int TLS_1_1 = 0x0302;
  public static final int TLS_1_2 = 0x0303;
  public static final int TLS_1_3 = 0x0304;

  public ClientHelloInfo {
    alpnProtocols = List.copyOf(alpnProtocols);
    supportedVersions = List.copyOf(supportedVersions);
  }

  /**
   * The highest protocol version the client offers: the largest of {@code supported_versions} when
   * present (RFC 8446 4.2.1 says servers must then ignore {@code legacy_version}), else {@code
   * legacy_version}.
   */
  public int highestVersion() {
    if (supportedVersions.isEmpty()) {
      return legacyVersion;
    }
    int max = 0;
    for (int v : supportedVersions) {
      max = Math.max(max, v);
    }
    return max;
  }

  /** Whether the client offers the given ALPN protocol, e.g. {@code acme-tls/1}. */
  public boolean offersAlpn(String protocol) {
    return alpnProtocols.contains(protocol);
  }
}

package dev.sluice.dataplane.proxyprotocol;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * PROXY protocol on accept, for a listener behind a load balancer.
 *
 * @param required every connection must start with a PROXY v1 or v2 header; when false the
 *     listener accepts plain connections and no header is read
 * @param trustedCidrs peers allowed to send the header (e.g. {@code 10.0.0.0/8}, {@code
 *     fd00::/8}, or a single address); connections from anyone else are closed when {@code
 *     required}
 */
public record ProxyProtocolSettings(boolean required, List<String> trustedCidrs) {

  /** Cap on a whole v2 header, TLVs included (v1 is at most 107 bytes by its spec). */
  public static final int MAX_HEADER_BYTES = 4096;

  /** A connection that has not sent a complete header in this time is closed. */
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(5);

  public ProxyProtocolSettings {
    trustedCidrs = List.copyOf(Objects.requireNonNull(trustedCidrs, "trustedCidrs"));
    if (required && trustedCidrs.isEmpty()) {
      throw new IllegalArgumentException(
          "PROXY protocol is required but no trusted CIDR is configured: every connection would"
              + " be refused");
    }
    // Fail at configuration time, not on the first connection.
    new dev.sluice.dataplane.http.TrustedProxies.Cidrs(trustedCidrs); // validates every entry
  }

  public static ProxyProtocolSettings disabled() {
    return new ProxyProtocolSettings(false, List.of());
  }
}

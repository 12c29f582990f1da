package dev.sluice.dataplane.snapshot;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How Sluice speaks TLS to the endpoints of an HTTPS or H2 {@link BackendGroup}. Lives on the
 * backend group, next to its {@link BackendGroup.UpstreamProtocol}, because together they say what
 * goes on the wire to an endpoint: the upstream connection pools key their idle connections by
 * endpoint plus this identity, so a plain and a TLS connection to the same address (or two TLS
 * connections with different trust or SNI) never serve each other's requests.
 *
 * @param verify check the endpoint's certificate chain (and host name, see {@code serverName});
 *     {@code false} only when a route says so explicitly ({@code proxy-ssl-verify: "off"})
 * @param caPem PEM bundle of the certificates trusted as roots; {@code null} trusts the JDK's
 *     default trust store (public CAs). Must be {@code null} when {@code verify} is off.
 * @param serverName sent as SNI and checked against the certificate's names. {@code null}: the
 *     endpoint's address when it is a DNS name (ExternalName services); for an IP literal no SNI
 *     is sent and only the chain is verified, since a pod IP is in no certificate.
 */
public record UpstreamTls(boolean verify, String caPem, String serverName) {

  /** Verify against the JDK's default trust store, SNI from the endpoint's DNS name if it has one. */
  public static final UpstreamTls DEFAULT = new UpstreamTls(true, null, null);

  /** No verification at all (self-signed backends, {@code proxy-ssl-verify: "off"}). */
  public static final UpstreamTls INSECURE = new UpstreamTls(false, null, null);

  private static final Pattern DNS_NAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  public UpstreamTls {
    if (caPem != null && caPem.isBlank()) {
      throw new IllegalArgumentException("caPem is blank; use null for the default trust store");
    }
    if (!verify && caPem != null) {
      throw new IllegalArgumentException("caPem is given but verification is off");
    }
    if (serverName != null) {
      serverName = serverName.toLowerCase(Locale.ROOT);
      if (serverName.length() > 253 || !DNS_NAME.matcher(serverName).matches()) {
        throw new IllegalArgumentException("serverName is not a DNS name: " + serverName);
      }
    }
  }

  /** True when {@code name} is a DNS name Sluice accepts as {@link #serverName}. */
  public static boolean isDnsName(String name) {
    return name != null && name.length() <= 253 && DNS_NAME.matcher(name).matches();
  }

  /** SHA-256 of {@link #caPem} in hex, or {@code null}: how the CA shows in logs and JSON. */
  public String caSha256() {
    if (caPem == null) {
      return null;
    }
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(caPem.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Never prints the PEM: the CA is shown by fingerprint. */
  @Override
  public String toString() {
    return "UpstreamTls[verify=" + verify + ", ca=" + (caPem == null ? "default" : caSha256())
        + ", serverName=" + serverName + "]";
  }
}

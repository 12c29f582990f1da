package dev.sluice.dataplane.http;

import io.netty.util.NetUtil;
import java.net.InetAddress;

/**
 * IP literals as they appear in settings and in X-Forwarded-For, parsed without ever asking DNS.
 * Addresses are byte arrays of length 4 (IPv4) or 16 (IPv6); IPv4-mapped IPv6 addresses
 * ({@code ::ffff:a.b.c.d}) are normalized to their 4 IPv4 bytes so that one IPv4 CIDR covers a
 * client whether it reached a dual-stack socket or a plain IPv4 one. Stateless.
 */
final class IpLiterals {
  private IpLiterals() {}

  /**
   * Parses a bare IP literal ({@code 10.1.2.3}, {@code 2001:db8::1}, {@code [::1]}); null if it is
   * anything else. Uses Netty's literal-only parser: a host name is rejected, never resolved.
   */
  static byte[] parseAddress(String s) {
    byte[] b = NetUtil.createByteArrayFromIpAddressString(s);
    return b == null ? null : normalize(b);
  }

  /**
   * Parses one X-Forwarded-For element (already trimmed): a bare literal, or one with a port as
   * some proxies write it ({@code 1.2.3.4:5678}, {@code [2001:db8::1]:443}). The port is dropped.
   * Null for anything that is not an IP literal ({@code unknown}, obfuscated identifiers, names).
   */
  static byte[] parseForwardedElement(String s) {
    int len = s.length();
    if (len == 0) {
      return null;
    }
    if (s.charAt(0) == '[') {
      int close = s.indexOf(']');
      if (close < 0 || (close + 1 < len && !isPortSuffix(s, close + 1))) {
        return null;
      }
      String inner = s.substring(1, close);
      return NetUtil.isValidIpV6Address(inner) ? parseAddress(inner) : null;
    }
    int colon = s.indexOf(':');
    if (colon > 0 && s.indexOf(':', colon + 1) < 0) {
      // Exactly one colon: IPv4 with a port (an IPv6 literal always has at least two).
      String host = s.substring(0, colon);
      return isPortSuffix(s, colon) && NetUtil.isValidIpV4Address(host) ? parseAddress(host) : null;
    }
    return parseAddress(s);
  }

  /** The canonical text of an address: dotted quad, or RFC 5952 compressed IPv6 without brackets. */
  static String format(byte[] address) {
    return NetUtil.bytesToIpAddress(address);
  }

  /** The normalized bytes of a resolved address (no DNS: InetAddress already holds them). */
  static byte[] bytes(InetAddress address) {
    return normalize(address.getAddress());
  }

  /** IPv4-mapped IPv6 (::ffff:0:0/96) becomes the 4 IPv4 bytes; anything else is returned as is. */
  static byte[] normalize(byte[] b) {
    if (b.length != 16) {
      return b;
    }
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return b;
      }
    }
    if (b[10] != (byte) 0xff || b[11] != (byte) 0xff) {
      return b;
    }
    return new byte[] {b[12], b[13], b[14], b[15]};
  }

  /** {@code s[from]} is ':' followed by 1 to 5 digits forming a port 0..65535. */
  private static boolean isPortSuffix(String s, int from) {
    int digits = s.length() - from - 1;
    if (s.charAt(from) != ':' || digits < 1 || digits > 5) {
      return false;
    }
    int port = 0;
    for (int i = from + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65535;
  }
}

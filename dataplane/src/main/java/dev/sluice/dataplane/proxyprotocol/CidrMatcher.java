package dev.sluice.dataplane.proxyprotocol;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * Membership of an address in a list of CIDRs, compiled once. IPv4-mapped IPv6 peers ({@code
 * ::ffff:10.0.0.1}, as a dual-stack socket may report them) match IPv4 ranges.
 *
 * <p>Minimal on purpose: {@code dev.sluice.dataplane.http.TrustedProxies} is the shared CIDR parser
 * and this should delegate to it once that exists. Immutable; safe on any thread.
 */
final class CidrMatcher {
  private final byte[][] networks;
  private final int[] prefixes;

  private CidrMatcher(byte[][] networks, int[] prefixes) {
    this.networks = networks;
    this.prefixes = prefixes;
  }

  /**
   * @throws IllegalArgumentException naming the first entry that is not an IP or IP/prefix
   */
  static CidrMatcher parse(List<String> cidrs) {
    byte[][] nets = new byte[cidrs.size()][];
    int[] prefixes = new int[cidrs.size()];
    for (int i = 0; i < cidrs.size(); i++) {
      String c = cidrs.get(i).trim();
      int slash = c.indexOf('/');
      String ip = slash < 0 ? c : c.substring(0, slash);
      byte[] addr = NetUtil.createByteArrayFromIpAddressString(ip);
      if (addr == null) {
        throw new IllegalArgumentException("not an IP address or CIDR: '" + cidrs.get(i) + "'");
      }
      addr = unmapIpv4(addr);
      int max = addr.length * 8;
      int prefix = max;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(c.substring(slash + 1));
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > max) {
          throw new IllegalArgumentException("bad prefix length in CIDR: '" + cidrs.get(i) + "'");
        }
      }
      nets[i] = addr;
      prefixes[i] = prefix;
    }
    return new CidrMatcher(nets, prefixes);
  }

  boolean matches(SocketAddress peer) {
    if (!(peer instanceof InetSocketAddress isa) || isa.getAddress() == null) {
      return false;
    }
    return matches(isa.getAddress());
  }

  boolean matches(InetAddress address) {
    byte[] a = unmapIpv4(address.getAddress());
    for (int i = 0; i < networks.length; i++) {
      if (networks[i].length == a.length && prefixMatches(networks[i], a, prefixes[i])) {
        return true;
      }
    }
    return false;
  }

  private static boolean prefixMatches(byte[] net, byte[] a, int prefix) {
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (net[i] != a[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (net[full] & mask) == (a[full] & mask);
  }

  /** {@code ::ffff:a.b.c.d} -> {@code a.b.c.d}; anything else unchanged. */
  static byte[] unmapIpv4(byte[] a) {
    if (a.length != 16) {
      return a;
    }
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return a;
      }
    }
    if (a[10] != (byte) 0xff || a[11] != (byte) 0xff) {
      return a;
    }
    return new byte[] {a[12], a[13], a[14], a[15]};
  }
}

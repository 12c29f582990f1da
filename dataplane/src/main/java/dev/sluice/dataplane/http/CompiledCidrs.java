package dev.sluice.dataplane.http;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * An immutable list of CIDR strings that is also their compiled matcher. {@link
 * TrustedProxies.Cidrs} stores one of these as its {@code cidrs} component: a record cannot carry a
 * derived field, and compiling on every lookup would put parsing on the request path. So the list
 * the user wrote is validated and compiled exactly once, when the record is built, and the record
 * still compares equal to another with the same strings (List equality is element-wise).
 *
 * <p>IPv4 networks are kept as (network, mask) ints, IPv6 networks as two (network, mask) long
 * pairs, so a lookup is a few integer operations per entry and allocates nothing. An IPv6 CIDR
 * inside ::ffff:0:0/96 is stored as the IPv4 network it maps, and addresses are normalized the same
 * way ({@link IpLiterals#normalize}), so mapped and plain IPv4 match each other. Immutable; safe to
 * share between threads.
 */
public final class CompiledCidrs extends AbstractList<String> implements RandomAccess {
  private final String[] texts;
  private final int[] v4; // pairs: network, mask
  private final long[] v6; // quads: networkHigh, networkLow, maskHigh, maskLow

  private CompiledCidrs(String[] texts, int[] v4, long[] v6) {
    this.texts = texts;
    this.v4 = v4;
    this.v6 = v6;
  }

  /**
   * Validates and compiles. Entries are trimmed; a bare address means a single host (/32 or /128).
   * Host bits below the prefix are ignored, as most CIDR parsers do.
   *
   * @throws IllegalArgumentException naming the first entry that is not an IP literal or CIDR
   */
  static CompiledCidrs compile(List<String> cidrs) {
    return compile(cidrs, "trusted proxy entry");
  }

  /**
   * As {@link #compile(List)}, for other users of CIDR lists (source ranges): {@code what} names
   * an entry in error messages ("invalid {what} '10.0.0.0/33': ...").
   */
  public static CompiledCidrs compile(List<String> cidrs, String what) {
    Objects.requireNonNull(cidrs, "cidrs");
    if (cidrs instanceof CompiledCidrs already) {
      return already;
    }
    String[] texts = new String[cidrs.size()];
    int[] v4 = new int[cidrs.size() * 2];
    long[] v6 = new long[cidrs.size() * 4];
    int n4 = 0;
    int n6 = 0;
    for (int i = 0; i < texts.length; i++) {
      String raw = cidrs.get(i);
      if (raw == null) {
        throw new IllegalArgumentException(what + " " + i + " is null");
      }
      String text = raw.strip();
      texts[i] = text;
      int slash = text.indexOf('/');
      String addressText = slash < 0 ? text : text.substring(0, slash);
      byte[] address = addressText.isEmpty() ? null : IpLiterals.parseAddress(addressText);
      if (address == null) {
        throw bad(what, text, "not an IP address or CIDR");
      }
      boolean written6 = addressText.indexOf(':') >= 0;
      int max = written6 ? 128 : 32;
      int prefix = slash < 0 ? max : prefixLength(what, text, text.substring(slash + 1), max);
      if (address.length == 4 && written6) {
        // ::ffff:a.b.c.d/p was normalized to a.b.c.d: its prefix counts the 96 mapped bits.
        if (prefix < 96) {
          throw bad(what, text, "an IPv4-mapped CIDR needs a prefix of at least 96");
        }
        prefix -= 96;
      }
      if (address.length == 4) {
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        v4[n4++] = toInt(address, 0) & mask;
        v4[n4++] = mask;
      } else {
        long maskHigh = mask64(prefix);
        long maskLow = mask64(prefix - 64);
        v6[n6++] = toLong(address, 0) & maskHigh;
        v6[n6++] = toLong(address, 8) & maskLow;
        v6[n6++] = maskHigh;
        v6[n6++] = maskLow;
      }
    }
    return new CompiledCidrs(texts, Arrays.copyOf(v4, n4), Arrays.copyOf(v6, n6));
  }

  /**
   * Whether {@code address} lies in any network (an IPv4-mapped IPv6 address counts as IPv4). An
   * IPv4 address is read through {@link Inet4Address#hashCode()}, which is its 32 bits, so the
   * common case allocates nothing.
   */
  public boolean matches(InetAddress address) {
    if (address instanceof Inet4Address) {
      return matchesV4(address.hashCode());
    }
    return address != null && matches(IpLiterals.bytes(address));
  }

  /** Whether a normalized address (4 or 16 bytes, see {@link IpLiterals}) lies in any network. */
  boolean matches(byte[] address) {
    if (address.length == 4) {
      return matchesV4(toInt(address, 0));
    }
    if (address.length != 16) {
      return false;
    }
    long high = toLong(address, 0);
    long low = toLong(address, 8);
    for (int i = 0; i < v6.length; i += 4) {
      if ((high & v6[i + 2]) == v6[i] && (low & v6[i + 3]) == v6[i + 1]) {
        return true;
      }
    }
    return false;
  }

  private boolean matchesV4(int a) {
    for (int i = 0; i < v4.length; i += 2) {
      if ((a & v4[i + 1]) == v4[i]) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String get(int index) {
    return texts[index];
  }

  @Override
  public int size() {
    return texts.length;
  }

  private static int prefixLength(String what, String entry, String digits, int max) {
    if (digits.isEmpty()
        || digits.length() > 3
        || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw bad(what, entry, "prefix length must be a number");
    }
    int prefix = Integer.parseInt(digits);
    if (prefix > max) {
      throw bad(what, entry, "prefix length must be 0.." + max);
    }
    return prefix;
  }

  /** Mask with the top {@code bits} bits set, clamped to 0..64. */
  private static long mask64(int bits) {
    if (bits <= 0) {
      return 0L;
    }
    return bits >= 64 ? -1L : -1L << (64 - bits);
  }

  private static int toInt(byte[] b, int from) {
    return (b[from] & 0xff) << 24
        | (b[from + 1] & 0xff) << 16
        | (b[from + 2] & 0xff) << 8
        | (b[from + 3] & 0xff);
  }

  private static long toLong(byte[] b, int from) {
    return (long) toInt(b, from) << 32 | (toInt(b, from + 4) & 0xffffffffL);
  }

  private static IllegalArgumentException bad(String what, String entry, String why) {
    return new IllegalArgumentException("invalid " + what + " '" + entry + "': " + why);
  }
}

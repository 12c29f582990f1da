package dev.sluice.dataplane.http;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which peers' {@code X-Forwarded-For} Sluice believes, as users know it from TRUST_PROXY: nobody
 * (incoming X-Forwarded-* are replaced), a number of hops in front of Sluice, or peers inside a list
 * of CIDRs. Parsed once from a setting ({@link #parse}); all variants are immutable.
 */
public sealed interface TrustedProxies {

  /** Trust nobody: the TCP peer (or PROXY protocol source) is the client. The default. */
  record None() implements TrustedProxies {}

  /**
   * Trust the last {@code hops} entries of X-Forwarded-For, as added by proxies in front. Zero
   * behaves as {@link None}.
   */
  record HopCount(int hops) implements TrustedProxies {
    public HopCount {
      if (hops < 0) {
        throw new IllegalArgumentException("trusted proxy hop count must be >= 0: " + hops);
      }
    }
  }

  /**
   * Trust peers (and X-Forwarded-For entries) whose address lies in one of these CIDRs. A bare
   * address is a single host. The list is validated and compiled when the record is built, so an
   * invalid entry fails here (IllegalArgumentException naming it) and {@link #trusts} does no
   * parsing.
   */
  record Cidrs(List<String> cidrs) implements TrustedProxies {
    public Cidrs {
      cidrs = CompiledCidrs.compile(cidrs);
    }

    /** Whether {@code address} lies in one of the CIDRs (IPv4-mapped IPv6 counts as IPv4). */
    public boolean trusts(InetAddress address) {
      return address != null && trusts(IpLiterals.bytes(address));
    }

    /** Same, for a normalized 4- or 16-byte address (see {@link IpLiterals}). */
    boolean trusts(byte[] address) {
      return ((CompiledCidrs) cidrs).matches(address);
    }
  }

  static TrustedProxies none() {
    return new None();
  }

  /**
   * Parses the TRUST_PROXY setting.
   *
   * <ul>
   *   <li>{@code null}, empty, {@code false}, {@code none} (any case) → {@link None};
   *   <li>a non-negative integer → {@link HopCount}, where {@code 0} → {@link None};
   *   <li>a comma-separated list of CIDRs or bare IPs, IPv4 or IPv6 ({@code 10.0.0.0/8,
   *       192.168.1.1, fd00::/8, ::1}) → {@link Cidrs}.
   * </ul>
   *
   * <p>Never resolves names: only IP literals are accepted.
   *
   * @throws IllegalArgumentException with a message naming the offending token
   */
  static TrustedProxies parse(String setting) {
    String s = setting == null ? "" : setting.strip();
    String lower = s.toLowerCase(Locale.ROOT);
    if (s.isEmpty() || lower.equals("false") || lower.equals("none")) {
      return none();
    }
    if (s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      int hops;
      try {
        hops = Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("trusted proxy hop count '" + s + "' is too large", e);
      }
      return hops == 0 ? none() : new HopCount(hops);
    }
    List<String> entries = new ArrayList<>();
    for (String token : s.split(",", -1)) {
      String entry = token.strip();
      if (entry.isEmpty()) {
        throw new IllegalArgumentException(
            "empty entry in trusted proxies '" + s + "' (a stray comma?)");
      }
      entries.add(entry);
    }
    try {
      return new Cidrs(entries);
    } catch (IllegalArgumentException e) {
      if (entries.size() == 1 && !entries.get(0).contains(".") && !entries.get(0).contains(":")) {
        // Neither a number nor an address: most likely a misspelled keyword such as "true".
        throw new IllegalArgumentException(
            e.getMessage()
                + "; expected false/none, a hop count, or a comma-separated list of CIDRs",
            e);
      }
      throw e;
    }
  }

  /**
   * Whether no peer's forwarded headers are believed: {@link None} or a hop count of 0. (A {@link
   * Cidrs} with an empty list also trusts no one, but is reported as written.)
   */
  default boolean trustsNobody() {
    return this instanceof None || (this instanceof HopCount h && h.hops() == 0);
  }
}

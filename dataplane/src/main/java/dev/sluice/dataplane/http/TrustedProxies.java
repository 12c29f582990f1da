package dev.sluice.dataplane.http;

import java.util.List;

/**
 * Which peers' {@code X-Forwarded-For} Sluice believes, as users know it from TRUST_PROXY: nobody
 * (incoming X-Forwarded-* are replaced), a number of hops in front of Sluice, or peers inside a list
 * of CIDRs. Parsed once from a setting.
 *
 * <p>TODO(http-edge helper): parse(), CIDR matching, tests.
 */
public sealed interface TrustedProxies {

  /** Trust nobody: the TCP peer (or PROXY protocol source) is the client. The default. */
  record None() implements TrustedProxies {}

  /** Trust the last {@code hops} entries of X-Forwarded-For, as added by proxies in front. */
  record HopCount(int hops) implements TrustedProxies {}

  /** Trust peers (and X-Forwarded-For entries) whose address lies in one of these CIDRs. */
  record Cidrs(List<String> cidrs) implements TrustedProxies {
    public Cidrs {
      cidrs = List.copyOf(cidrs);
    }
  }

  static TrustedProxies none() {
    return new None();
  }
}

package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.Endpoint;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns per-Service weights into per-endpoint weights, so that each Service gets its share of
 * traffic however many ready pods it has (Gateway API semantics): an endpoint of Service i weighs
 * {@code w_i / ready_i}, scaled to whole numbers by the least common multiple of the ready counts and
 * reduced by their greatest common divisor. One Service with weight w: every endpoint weighs 1.
 */
final class BackendWeights {
  private BackendWeights() {}

  static List<Endpoint> combine(List<List<Endpoint>> perBackend, List<Integer> weights) {
    long lcm = 1;
    for (int i = 0; i < perBackend.size(); i++) {
      long ready = perBackend.get(i).stream().filter(Endpoint::ready).count();
      if (ready > 0 && weights.get(i) > 0) {
        lcm = lcm(lcm, ready);
        if (lcm > Endpoint.MAX_WEIGHT) {
          lcm = -1; // too many distinct counts to be exact; scaled below
          break;
        }
      }
    }
    List<long[]> raw = new ArrayList<>(); // exact or approximate weight per endpoint
    List<Endpoint> flat = new ArrayList<>();
    for (int i = 0; i < perBackend.size(); i++) {
      List<Endpoint> eps = perBackend.get(i);
      long ready = Math.max(1, eps.stream().filter(Endpoint::ready).count());
      long w = weights.get(i);
      for (Endpoint e : eps) {
        long value = lcm > 0 ? w * (lcm / ready) : Math.round(w * 1_000_000.0 / ready);
        raw.add(new long[] {value});
        flat.add(e);
      }
    }
    long gcd = 0;
    long max = 0;
    for (long[] v : raw) {
      gcd = BigInteger.valueOf(gcd).gcd(BigInteger.valueOf(v[0])).longValue();
      max = Math.max(max, v[0]);
    }
    Map<String, Endpoint> merged = new LinkedHashMap<>();
    for (int i = 0; i < flat.size(); i++) {
      long v = raw.get(i)[0];
      long scaled = gcd > 0 ? v / gcd : 0;
      if (max / Math.max(gcd, 1) > Endpoint.MAX_WEIGHT && v > 0) {
        scaled = Math.max(1, Math.round((double) v * Endpoint.MAX_WEIGHT / max));
      }
      Endpoint e = flat.get(i);
      Endpoint weighted = new Endpoint(e.address(), e.port(), (int) scaled, e.ready());
      // Two backends may name the same Service: one endpoint with the summed weight.
      merged.merge(
          e.authority(),
          weighted,
          (a, b) ->
              new Endpoint(
                  a.address(),
                  a.port(),
                  (int) Math.min(Endpoint.MAX_WEIGHT, (long) a.weight() + b.weight()),
                  a.ready() || b.ready()));
    }
    return List.copyOf(merged.values());
  }

  private static long lcm(long a, long b) {
    return a / BigInteger.valueOf(a).gcd(BigInteger.valueOf(b)).longValue() * b;
  }
}

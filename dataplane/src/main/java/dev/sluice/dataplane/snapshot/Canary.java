package dev.sluice.dataplane.snapshot;

import java.util.Locale;
import java.util.Objects;

/**
 * A second backend for a route that takes some of its requests (ingress-nginx's canary Ingress).
 * Per request, in this order: the {@link #header} rule, then the {@link #cookie} rule, then the
 * {@link #weight}; a rule that does not decide passes to the next.
 *
 * <ul>
 *   <li>header without {@link #headerValue}: {@code always} sends to the canary, {@code never} to
 *       the main backend, other values do not decide; with {@link #headerValue}: that exact value
 *       sends to the canary, others do not decide;
 *   <li>cookie: {@code always} canary, {@code never} main, others do not decide;
 *   <li>weight: {@code weight} of {@code weightTotal} requests at random go to the canary.
 * </ul>
 *
 * @param backend the canary's endpoints
 * @param weight 0..{@code weightTotal}
 * @param weightTotal at least 1 (ingress-nginx's default 100)
 * @param header request header name (lower case), or {@code null}
 * @param headerValue the value the header must have, or {@code null} for always/never
 * @param cookie cookie name, or {@code null}
 */
public record Canary(
    BackendGroup backend,
    int weight,
    int weightTotal,
    String header,
    String headerValue,
    String cookie) {
  public static final int DEFAULT_WEIGHT_TOTAL = 100;

  public Canary {
    Objects.requireNonNull(backend, "backend");
    if (weightTotal < 1) {
      throw new IllegalArgumentException("canary weight total must be at least 1: " + weightTotal);
    }
    if (weight < 0 || weight > weightTotal) {
      throw new IllegalArgumentException(
          "canary weight must be 0.." + weightTotal + ": " + weight);
    }
    if (header != null) {
      new HashKey(HashKey.Source.HEADER, header); // validates the name
      header = header.toLowerCase(Locale.ROOT);
    }
    if (headerValue != null && header == null) {
      throw new IllegalArgumentException("canary header value given without a header name");
    }
    if (cookie != null) {
      new HashKey(HashKey.Source.COOKIE, cookie);
    }
  }
}

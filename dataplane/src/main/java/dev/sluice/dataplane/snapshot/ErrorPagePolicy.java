package dev.sluice.dataplane.snapshot;

import java.util.List;
import java.util.Objects;

/**
 * Custom error pages ({@code custom-http-errors} with {@code default-backend}, as in
 * ingress-nginx): when the upstream answers one of {@link #codes} (before any of its response went
 * to the client), that response is dropped and the client gets the {@link #backend}'s answer to a
 * GET describing the error ({@code X-Code}, {@code X-Format}, {@code X-Original-URI} ...), with the
 * original status code.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route has no custom error pages.
 *
 * @param codes the status codes to replace, 400 to 599, ascending, no duplicates
 * @param backend the error Service (plain HTTP or H2C)
 * @param namespace the Ingress's namespace (sent as {@code X-Namespace})
 * @param ingressName the Ingress's name (sent as {@code X-Ingress-Name})
 */
public record ErrorPagePolicy(
    List<Integer> codes, BackendGroup backend, String namespace, String ingressName) {
  public static final ErrorPagePolicy NONE = new ErrorPagePolicy(List.of(), null, null, null);

  public ErrorPagePolicy {
    codes = List.copyOf(codes);
    int previous = 0;
    for (int c : codes) {
      if (c < 400 || c > 599) {
        throw new IllegalArgumentException("custom error code " + c + " is not 400 to 599");
      }
      if (c <= previous) {
        throw new IllegalArgumentException("custom error codes not ascending and distinct: " + codes);
      }
      previous = c;
    }
    if (!codes.isEmpty()) {
      Objects.requireNonNull(backend, "backend");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(ingressName, "ingressName");
      if (backend.protocol().usesTls()) {
        throw new IllegalArgumentException(
            "the error Service " + backend.name() + " must speak plain HTTP or H2C, not " + backend.protocol());
      }
    } else if (backend != null) {
      throw new IllegalArgumentException("an error Service without codes");
    }
  }

  /** Whether the route has no custom error pages (nothing to compile, nothing to show). */
  public boolean isNone() {
    return codes.isEmpty();
  }
}

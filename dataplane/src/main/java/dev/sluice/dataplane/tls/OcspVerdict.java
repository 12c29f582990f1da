package dev.sluice.dataplane.tls;

import java.time.Instant;

/**
 * What one OCSP fetch came to. Only {@link Result#GOOD} is stapled. Immutable.
 *
 * @param thisUpdate and {@code nextUpdate}: the response's validity window; set for GOOD only
 * @param detail why the response was not good, for the log
 */
public record OcspVerdict(Result result, Instant thisUpdate, Instant nextUpdate, String detail) {

  /** Outcomes, also the {@code result} tag of {@code sluice_tls_ocsp_staples_total}. */
  public enum Result {
    /** Signed, current, certStatus good: stapled. */
    GOOD("good"),
    /** The responder says the certificate is revoked: not stapled. */
    REVOKED("revoked"),
    /** The responder does not know the certificate: not stapled. */
    UNKNOWN("unknown"),
    /** Unparsable, unsigned or wrongly signed, stale, or an OCSP error status: not stapled. */
    INVALID("invalid"),
    /** No response: connection refused, timeout, HTTP error, oversized body. */
    ERROR("error");

    private final String tag;

    Result(String tag) {
      this.tag = tag;
    }

    public String tag() {
      return tag;
    }
  }

  static OcspVerdict good(Instant thisUpdate, Instant nextUpdate) {
    return new OcspVerdict(Result.GOOD, thisUpdate, nextUpdate, "good");
  }

  static OcspVerdict not(Result result, String detail) {
    return new OcspVerdict(result, null, null, detail);
  }
}

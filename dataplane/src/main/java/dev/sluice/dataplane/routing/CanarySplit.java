package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.Canary;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A route's {@link Canary} as the request path runs it: decides per request whether the canary's
 * backend serves it (header rule, then cookie rule, then weight; see {@link Canary}).
 *
 * <p>Thread safety: any thread; immutable.
 */
public final class CanarySplit {
  private static final String ALWAYS = "always";
  private static final String NEVER = "never";

  private final UpstreamTarget target;
  private final AsciiString header;
  private final String headerValue;
  private final String cookie;
  private final int weight;
  private final int weightTotal;

  CanarySplit(Canary canary, UpstreamTarget target) {
    this.target = target;
    this.header = canary.header() == null ? null : AsciiString.of(canary.header());
    this.headerValue = canary.headerValue();
    this.cookie = canary.cookie();
    this.weight = canary.weight();
    this.weightTotal = canary.weightTotal();
  }

  /** The canary's backend. */
  public UpstreamTarget target() {
    return target;
  }

  /** Whether the canary serves {@code request}. */
  public boolean takes(PickContext request) {
    HttpHeaders headers = request.request().headers();
    if (header != null) {
      String v = headers.get(header);
      if (v != null) {
        if (headerValue != null) {
          if (headerValue.equals(v)) {
            return true;
          }
        } else if (ALWAYS.equals(v)) {
          return true;
        } else if (NEVER.equals(v)) {
          return false;
        }
      }
    }
    if (cookie != null) {
      String v = Cookies.value(headers, cookie);
      if (ALWAYS.equals(v)) {
        return true;
      } else if (NEVER.equals(v)) {
        return false;
      }
    }
    return weight > 0 && ThreadLocalRandom.current().nextInt(weightTotal) < weight;
  }

  @Override
  public String toString() {
    return "Canary(" + weight + "/" + weightTotal + ", header=" + header + ", cookie=" + cookie + ")";
  }
}

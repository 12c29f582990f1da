package dev.sluice.dataplane.policy;

import java.util.List;
import java.util.Map;

/**
 * What an auth service answered, as much of it as the request needs: the status, the headers to
 * pass on (for a 2xx those named in {@code auth-response-headers}; for a 401/403 its challenge,
 * cookies and content type) and, for a 401/403, its body (at most {@link AuthCall#MAX_BODY} bytes).
 * Immutable, so one can be remembered ({@code auth-cache-key}) and applied to many requests.
 *
 * @param expiresAt {@link System#nanoTime()} after which a remembered verdict is stale
 */
record AuthVerdict(int status, List<Map.Entry<CharSequence, String>> headers, byte[] body, long expiresAt) {

  boolean fresh(long now) {
    return expiresAt - now > 0;
  }

  AuthVerdict expiringAt(long when) {
    return new AuthVerdict(status, headers, body, when);
  }
}

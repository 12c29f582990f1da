package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.http.ErrorResponses;
import dev.sluice.dataplane.snapshot.AccessPolicy.BasicAuth;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code auth-type: basic}: the request needs {@code Authorization: Basic} credentials matching an
 * htpasswd entry, else {@code 401} with {@code WWW-Authenticate: Basic realm="..."}.
 *
 * <p>bcrypt checks run on the runtime's small bounded executor ({@link
 * PolicyRuntime#passwordChecks()}), never on the event loop; the filter comes back with {@code
 * proceed()} or {@code respond()} on the request's event loop. When that executor is saturated
 * (a password-guessing flood), the request gets {@code 503} at once rather than queueing without
 * bound. Successful checks are remembered (keyed by the SHA-256 of {@code user:password}, never the
 * password itself) so a keep-alive client does not pay bcrypt per request; the cache belongs to one
 * snapshot (a changed Secret starts afresh) and is cleared when it reaches {@link #CACHE_SIZE}.
 *
 * <p>Thread safety: immutable but for the concurrent cache; shared by every event loop.
 */
final class BasicAuthFilter implements RequestFilter {
  static final int CACHE_SIZE = 1024;
  private static final Logger log = LoggerFactory.getLogger(BasicAuthFilter.class);

  private final Map<String, PasswordHash> users;
  private final String challenge;
  private final PolicyRuntime runtime;
  private final ConcurrentHashMap<Sha256Key, Boolean> verified = new ConcurrentHashMap<>();
  /**
   * A slow (bcrypt) hash of the file, checked for unknown user names too, so that the time of a
   * 401 does not tell which user names exist; {@code null} when the file has no slow hash.
   */
  private final PasswordHash decoy;

  BasicAuthFilter(BasicAuth auth, PolicyRuntime runtime) {
    Map<String, PasswordHash> u = new HashMap<>();
    auth.users().forEach((user, hash) -> u.put(user, new PasswordHash(hash)));
    this.users = Map.copyOf(u);
    this.challenge = "Basic realm=\"" + auth.realm() + "\"";
    this.runtime = runtime;
    this.decoy = users.values().stream().filter(PasswordHash::slow).findFirst().orElse(null);
  }

  @Override
  public void onRequest(FilterExchange x) {
    String header = x.request().headers().get(HttpHeaderNames.AUTHORIZATION);
    byte[] decoded = decode(header);
    int colon = decoded == null ? -1 : indexOf(decoded, (byte) ':');
    if (colon <= 0) {
      x.respond(unauthorized(x));
      return;
    }
    String user = new String(decoded, 0, colon, StandardCharsets.UTF_8);
    PasswordHash hash = users.get(user);
    if (hash == null && decoy == null) {
      x.respond(unauthorized(x));
      return;
    }
    Sha256Key key = Sha256Key.of(decoded); // never the password itself
    if (hash == null) {
      // an unknown user costs what a known one does; the verdict is no whatever the check says
      check(x, decoy, Arrays.copyOfRange(decoded, colon + 1, decoded.length), key, false);
      return;
    }
    if (verified.containsKey(key)) {
      x.proceed();
      return;
    }
    check(x, hash, Arrays.copyOfRange(decoded, colon + 1, decoded.length), key, true);
  }

  /** Checks {@code password} against {@code hash}, off the event loop when the hash is slow. */
  private void check(
      FilterExchange x, PasswordHash hash, byte[] password, Sha256Key key, boolean knownUser) {
    if (!hash.slow()) {
      finish(x, knownUser && safeMatches(hash, password), key);
      return;
    }
    try {
      runtime
          .passwordChecks()
          .execute(
              () -> {
                boolean ok = safeMatches(hash, password) && knownUser;
                runtime.passwordCheckDone();
                x.eventLoop().execute(() -> finish(x, ok, key));
              });
    } catch (RejectedExecutionException e) {
      log.warn("basic auth: password checks saturated; answering 503 for route {}",
          x.route().route().name());
      x.respond(ErrorResponses.of(HttpResponseStatus.SERVICE_UNAVAILABLE, x.alloc()));
    }
  }

  private void finish(FilterExchange x, boolean ok, Sha256Key key) {
    if (!ok) {
      x.respond(unauthorized(x));
      return;
    }
    if (verified.size() >= CACHE_SIZE) {
      verified.clear(); // bounded: a flood of distinct valid logins only costs re-checks
    }
    verified.put(key, Boolean.TRUE);
    x.proceed();
  }

  /** Entries in the success cache (for tests). */
  int cached() {
    return verified.size();
  }

  private static boolean safeMatches(PasswordHash hash, byte[] password) {
    try {
      return hash.matches(password);
    } catch (RuntimeException e) { // a malformed salt that passed the format check
      log.warn("basic auth: password hash could not be checked: {}", e.toString());
      return false;
    }
  }

  private FullHttpResponse unauthorized(FilterExchange x) {
    FullHttpResponse r = ErrorResponses.of(HttpResponseStatus.UNAUTHORIZED, x.alloc());
    r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
    return r;
  }

  /** The decoded {@code user:password} bytes of a Basic header, or {@code null}. */
  private static byte[] decode(String header) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    try {
      return Base64.getDecoder().decode(header.substring(6).strip());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int indexOf(byte[] b, byte v) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }
}

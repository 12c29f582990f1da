package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.CookieAffinity;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Session affinity by cookie ({@code affinity: cookie}) over another balancer. A request whose
 * cookie names a ready endpoint of the group goes there; any other (no cookie, an unknown or stale
 * value, or the named endpoint just failed) is picked by the inner balancer, and its response sets
 * the cookie to the endpoint that served it.
 *
 * <p>The cookie's value is a token, not the address: the first 96 bits of SHA-256 over the group
 * name and the endpoint's address, in hex. It is stable across snapshots and replicas (so a session
 * survives a configuration change and a client moving between Sluice pods) and tells a client
 * nothing about the pod network. The tokens and the {@code Set-Cookie} values are computed once,
 * when the balancer is built.
 *
 * <p>Thread safety: any thread; the maps are filled in the constructor and only read afterwards.
 */
final class AffinityBalancer implements Balancer {
  private final Balancer inner;
  private final String cookieName;
  private final Map<String, EndpointState> byToken;
  private final Map<EndpointState, Cookie> cookies;

  private record Cookie(String token, String setCookie) {}

  /**
   * @param states the group's ready endpoints with weight > 0 (at least one)
   */
  AffinityBalancer(
      String groupName, List<EndpointState> states, CookieAffinity affinity, Balancer inner) {
    this.inner = inner;
    this.cookieName = affinity.name();
    this.byToken = new HashMap<>();
    this.cookies = new IdentityHashMap<>();
    String attributes = affinity.attributes();
    for (EndpointState s : states) {
      String token = token(groupName, s.endpoint().authority());
      byToken.put(token, s);
      cookies.put(s, new Cookie(token, cookieName + "=" + token + attributes));
    }
  }

  @Override
  public EndpointState pick(EndpointState avoid) {
    return inner.pick(avoid);
  }

  @Override
  public EndpointState pick(EndpointState avoid, PickContext request) {
    if (request != null) {
      String token = Cookies.value(request.request().headers(), cookieName);
      EndpointState sticky = token == null ? null : byToken.get(token);
      if (sticky != null && !Balancers.sameEndpoint(sticky, avoid)) {
        return sticky;
      }
    }
    return inner.pick(avoid, request);
  }

  @Override
  public void onResponseHead(
      EndpointState picked, PickContext request, HttpResponse response, long latencyNanos) {
    inner.onResponseHead(picked, request, response, latencyNanos);
    Cookie c = cookies.get(picked);
    if (c != null
        && !c.token().equals(Cookies.value(request.request().headers(), cookieName))) {
      response.headers().add(HttpHeaderNames.SET_COOKIE, c.setCookie());
    }
  }

  @Override
  public void onFailure(EndpointState failed) {
    inner.onFailure(failed);
  }

  /** The cookie value naming {@code authority} in {@code groupName}. */
  static String token(String groupName, String authority) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] d = sha.digest((groupName + "|" + authority).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  @Override
  public String toString() {
    return "CookieAffinity(" + cookieName + ")/" + inner;
  }
}

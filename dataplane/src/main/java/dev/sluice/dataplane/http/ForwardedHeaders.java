package dev.sluice.dataplane.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * Writes X-Forwarded-For/-Proto/-Host/-Port and X-Real-IP on a request about to go upstream, and
 * decides who the client is, according to {@link TrustedProxies}, the way nginx's realip module
 * ({@code real_ip_recursive on}) and Traefik's {@code forwardedHeaders.trustedIPs} do.
 *
 * <p>When the peer is not trusted ({@link TrustedProxies.None}, a hop count of 0, or a peer outside
 * the CIDRs) every incoming forwarding header is removed — the standard ones and the siblings that
 * frameworks also believe ({@link #UNTRUSTED}) — and X-Forwarded-For, X-Real-IP, -Proto, -Host and
 * -Port are set from the connection. A spoofed X-Forwarded-For is overwritten, never appended to.
 *
 * <p>When the peer is trusted the incoming X-Forwarded-For lines are joined into one and the peer
 * is appended; X-Forwarded-Proto/-Host/-Port are kept when present (the trusted proxy set them)
 * and set otherwise; an incoming RFC 7239 {@code Forwarded} gets this hop appended. The client is
 * derived from X-Forwarded-For only:
 *
 * <ul>
 *   <li>hop count n: the element n places from the right of the list with the peer appended
 *       (n=1, "a, b" from peer p: b), or the leftmost when the list is shorter;
 *   <li>CIDRs: walking from the right, skip trusted addresses; the first untrusted one is the
 *       client; when all are trusted, the leftmost.
 * </ul>
 *
 * <p>Elements that are not IP literals ({@code unknown}, names, garbage) are never believed: the
 * walk stops there and the client is the element to its right, the last address a trusted hop
 * vouched for. (nginx falls back to the peer instead; the right neighbour is just as safe, since
 * everything right of the stop was written by trusted proxies, and it is closer to the truth.)
 * Elements with a port ({@code 1.2.3.4:80}, {@code [2001:db8::1]:80}) or bracketed IPv6 are
 * accepted and reduced to the address. The client is returned in canonical form (dotted quad, or
 * compressed IPv6 without brackets; IPv4-mapped IPv6 as IPv4).
 *
 * <p>Stateless and immutable; built once per listener and shared by all event loops.
 */
public final class ForwardedHeaders {
  public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  public static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
  public static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
  public static final AsciiString FORWARDED = AsciiString.cached("forwarded");

  /**
   * Removed from requests of untrusted peers: the headers this class sets, RFC 7239 Forwarded, and
   * X-Forwarded-* siblings that backends (Spring's ForwardedHeaderFilter, Rails, Express, Traefik)
   * use to build URLs or make security decisions, so a client cannot fake them through Sluice.
   */
  static final List<AsciiString> UNTRUSTED =
      List.of(
          X_FORWARDED_FOR,
          X_FORWARDED_PROTO,
          X_FORWARDED_HOST,
          X_FORWARDED_PORT,
          X_REAL_IP,
          FORWARDED,
          AsciiString.cached("x-forwarded-prefix"),
          AsciiString.cached("x-forwarded-server"),
          AsciiString.cached("x-forwarded-uri"),
          AsciiString.cached("x-forwarded-method"),
          AsciiString.cached("x-forwarded-ssl"),
          AsciiString.cached("x-forwarded-scheme"));

  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final AsciiString HTTPS = AsciiString.cached("https");

  private final TrustedProxies trust;
  private final int hops; // > 0 in hop-count mode
  private final TrustedProxies.Cidrs cidrs; // non-null in CIDR mode

  public ForwardedHeaders(TrustedProxies trust) {
    this.trust = Objects.requireNonNull(trust, "trust");
    this.hops = trust instanceof TrustedProxies.HopCount h ? h.hops() : 0;
    this.cidrs = trust instanceof TrustedProxies.Cidrs c ? c : null;
  }

  public TrustedProxies trust() {
    return trust;
  }

  /**
   * Rewrites {@code headers} in place.
   *
   * @param headers the downstream request's headers (hop-by-hop already stripped)
   * @param peer the TCP peer, or the source learned from a PROXY protocol header
   * @param tls whether the client connection is TLS (X-Forwarded-Proto https)
   * @param localPort the port the client connected to (X-Forwarded-Port)
   * @return the client IP as derived (for logs and X-Real-IP)
   */
  public String apply(HttpHeaders headers, InetSocketAddress peer, boolean tls, int localPort) {
    InetAddress peerAddress = peer.getAddress();
    byte[] peerBytes =
        peerAddress != null
            ? IpLiterals.bytes(peerAddress)
            : IpLiterals.parseAddress(peer.getHostString());
    // An unresolved peer that is not a literal cannot happen from a socket or PROXY header; if it
    // does, its text is reported but never trusted.
    String peerIp = peerBytes != null ? IpLiterals.format(peerBytes) : peer.getHostString();
    boolean trusted =
        peerBytes != null && (hops > 0 || (cidrs != null && cidrs.trusts(peerBytes)));
    AsciiString proto = tls ? HTTPS : HTTP;

    if (!trusted) {
      for (AsciiString name : UNTRUSTED) {
        headers.remove(name);
      }
      headers.set(X_FORWARDED_FOR, peerIp);
      headers.set(X_REAL_IP, peerIp);
      headers.set(X_FORWARDED_PROTO, proto);
      setForwardedHost(headers);
      headers.setInt(X_FORWARDED_PORT, localPort);
      return peerIp;
    }

    String incoming = joinLines(headers.getAll(X_FORWARDED_FOR));
    byte[] clientBytes = hops > 0 ? walkHops(incoming) : walkCidrs(incoming);
    String client = clientBytes != null ? IpLiterals.format(clientBytes) : peerIp;
    headers.set(X_FORWARDED_FOR, incoming == null ? peerIp : incoming + ", " + peerIp);
    headers.set(X_REAL_IP, client);
    if (!headers.contains(X_FORWARDED_PROTO)) {
      headers.set(X_FORWARDED_PROTO, proto);
    }
    if (!headers.contains(X_FORWARDED_HOST)) {
      setForwardedHost(headers);
    }
    if (!headers.contains(X_FORWARDED_PORT)) {
      headers.setInt(X_FORWARDED_PORT, localPort);
    }
    String forwarded = joinLines(headers.getAll(FORWARDED));
    if (forwarded != null) {
      headers.set(FORWARDED, forwarded + ", " + forwardedElement(peerIp, proto));
    }
    return client;
  }

  /**
   * The element {@code hops} places from the right of "incoming, peer" (the peer being place 0),
   * or the leftmost; null means the peer itself.
   */
  private byte[] walkHops(String xff) {
    byte[] last = null;
    if (xff == null) {
      return null;
    }
    int seen = 0;
    int end = xff.length();
    while (true) {
      int comma = xff.lastIndexOf(',', end - 1);
      String element = xff.substring(comma + 1, end).strip();
      if (!element.isEmpty()) {
        byte[] address = IpLiterals.parseForwardedElement(element);
        if (address == null) {
          return last;
        }
        last = address;
        if (++seen == hops) {
          return last;
        }
      }
      if (comma < 0) {
        return last;
      }
      end = comma;
    }
  }

  /** Walks from the right past trusted addresses; null means the peer itself. */
  private byte[] walkCidrs(String xff) {
    byte[] last = null;
    if (xff == null) {
      return null;
    }
    int end = xff.length();
    while (true) {
      int comma = xff.lastIndexOf(',', end - 1);
      String element = xff.substring(comma + 1, end).strip();
      if (!element.isEmpty()) {
        byte[] address = IpLiterals.parseForwardedElement(element);
        if (address == null) {
          return last;
        }
        if (!cidrs.trusts(address)) {
          return address;
        }
        last = address;
      }
      if (comma < 0) {
        return last;
      }
      end = comma;
    }
  }

  private static void setForwardedHost(HttpHeaders headers) {
    String host = headers.get(HttpHeaderNames.HOST);
    if (host != null) {
      headers.set(X_FORWARDED_HOST, host);
    } else {
      headers.remove(X_FORWARDED_HOST);
    }
  }

  /** Several lines of a list header as one comma-joined value; null if there is nothing. */
  private static String joinLines(List<String> lines) {
    if (lines.isEmpty()) {
      return null;
    }
    if (lines.size() == 1) {
      String only = lines.get(0).strip();
      return only.isEmpty() ? null : only;
    }
    StringBuilder joined = new StringBuilder();
    for (String line : lines) {
      String value = line.strip();
      if (!value.isEmpty()) {
        if (!joined.isEmpty()) {
          joined.append(", ");
        }
        joined.append(value);
      }
    }
    return joined.isEmpty() ? null : joined.toString();
  }

  /** RFC 7239 node: IPv6 is bracketed and then quoted, since ':' is not a token character. */
  private static String forwardedElement(String peerIp, AsciiString proto) {
    String node = peerIp.indexOf(':') >= 0 ? "\"[" + peerIp + "]\"" : peerIp;
    return "for=" + node + ";proto=" + proto;
  }
}

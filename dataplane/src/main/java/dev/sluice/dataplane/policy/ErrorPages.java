package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.http.HopByHopHeaders;
import dev.sluice.dataplane.routing.EndpointState;
import dev.sluice.dataplane.snapshot.BackendGroup.UpstreamProtocol;
import dev.sluice.dataplane.snapshot.Endpoint;
import dev.sluice.dataplane.snapshot.ErrorPagePolicy;
import dev.sluice.dataplane.snapshot.HttpRoute;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A route's custom error pages, compiled once per snapshot from its {@link ErrorPagePolicy}: which
 * upstream statuses are replaced, the error Service's ready endpoints (picked round robin) and the
 * request that asks it for a page, in ingress-nginx's form: the original URI, method GET (HEAD
 * stays HEAD), the original headers (hop-by-hop and body framing removed) plus {@code X-Code},
 * {@code X-Format} (the client's {@code Accept}), {@code X-Original-URI}, {@code X-Namespace},
 * {@code X-Ingress-Name}, {@code X-Service-Name} and {@code X-Service-Port} (the route's own
 * Service).
 *
 * <p>Immutable but for the round-robin counter (an atomic); shared by every event loop.
 */
public final class ErrorPages {
  public static final ErrorPages NONE = new ErrorPages();

  static final AsciiString X_CODE = AsciiString.cached("x-code");
  static final AsciiString X_FORMAT = AsciiString.cached("x-format");
  static final AsciiString X_ORIGINAL_URI = AsciiString.cached("x-original-uri");
  static final AsciiString X_NAMESPACE = AsciiString.cached("x-namespace");
  static final AsciiString X_INGRESS_NAME = AsciiString.cached("x-ingress-name");
  static final AsciiString X_SERVICE_NAME = AsciiString.cached("x-service-name");
  static final AsciiString X_SERVICE_PORT = AsciiString.cached("x-service-port");

  private final boolean[] codes = new boolean[600];
  private final EndpointState[] endpoints;
  private final UpstreamProtocol protocol;
  private final String namespace;
  private final String ingress;
  private final String serviceName;
  private final String servicePort;
  private final AtomicInteger next = new AtomicInteger();

  private ErrorPages() {
    endpoints = new EndpointState[0];
    protocol = UpstreamProtocol.HTTP;
    namespace = ingress = serviceName = servicePort = null;
  }

  private ErrorPages(ErrorPagePolicy p, HttpRoute route) {
    for (int c : p.codes()) {
      codes[c] = true;
    }
    List<EndpointState> ready = new ArrayList<>();
    for (Endpoint e : p.backend().endpoints()) {
      if (e.ready() && e.weight() > 0) {
        ready.add(new EndpointState(e));
      }
    }
    endpoints = ready.toArray(EndpointState[]::new);
    protocol = p.backend().protocol();
    namespace = p.namespace();
    ingress = p.ingressName();
    // backend groups are named namespace/service:port by the translator
    String group = route.backend().name();
    int slash = group.indexOf('/');
    int colon = group.lastIndexOf(':');
    boolean translated =
        slash > 0 && colon > slash + 1 && colon < group.length() - 1
            && group.substring(colon + 1).chars().allMatch(ch -> ch >= '0' && ch <= '9');
    serviceName = translated ? group.substring(slash + 1, colon) : group;
    servicePort = translated ? group.substring(colon + 1) : "";
  }

  /** The route's compiled error pages; {@link #NONE} when it has none. */
  public static ErrorPages compile(HttpRoute route) {
    ErrorPagePolicy p = route.policy().errorPages();
    return p.isNone() ? NONE : new ErrorPages(p, route);
  }

  /** Whether an upstream answer with {@code status} is to be replaced. */
  public boolean handles(int status) {
    return status >= 0 && status < codes.length && codes[status];
  }

  /** The next error endpoint, or {@code null} when the error Service has no ready one. */
  public EndpointState pick() {
    int n = endpoints.length;
    if (n == 0) {
      return null;
    }
    return endpoints[Math.floorMod(next.getAndIncrement(), n)];
  }

  public UpstreamProtocol protocol() {
    return protocol;
  }

  /**
   * The request for the error page of {@code original} (as it went upstream), answered with {@code
   * status}; {@code X-Original-URI} is {@code originalUri}, the URI the client sent, not the one a
   * rewrite made of it. The caller writes it (and so hands over its ownership).
   */
  public FullHttpRequest request(
      HttpRequest original, String originalUri, int status, String authority) {
    HttpMethod method = HttpMethod.HEAD.equals(original.method()) ? HttpMethod.HEAD : HttpMethod.GET;
    FullHttpRequest r =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, original.uri(), Unpooled.EMPTY_BUFFER);
    HttpHeaders h = r.headers();
    h.set(original.headers());
    HopByHopHeaders.strip(h); // also the Upgrade of a refused WebSocket handshake
    h.remove(HttpHeaderNames.CONTENT_LENGTH);
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    h.remove(HttpHeaderNames.CONTENT_TYPE);
    h.remove(HttpHeaderNames.EXPECT);
    if (!h.contains(HttpHeaderNames.HOST)) {
      h.set(HttpHeaderNames.HOST, authority);
    }
    h.set(X_CODE, Integer.toString(status));
    String accept = original.headers().get(HttpHeaderNames.ACCEPT);
    if (accept != null) {
      h.set(X_FORMAT, accept);
    }
    h.set(X_ORIGINAL_URI, originalUri);
    h.set(X_NAMESPACE, namespace);
    h.set(X_INGRESS_NAME, ingress);
    h.set(X_SERVICE_NAME, serviceName);
    if (!servicePort.isEmpty()) {
      h.set(X_SERVICE_PORT, servicePort);
    }
    return r;
  }

  public boolean isNone() {
    return this == NONE;
  }
}

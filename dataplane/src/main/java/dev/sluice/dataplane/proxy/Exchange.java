package dev.sluice.dataplane.proxy;

import dev.sluice.dataplane.accesslog.AccessEntry;
import dev.sluice.dataplane.accesslog.AccessLog;
import dev.sluice.dataplane.http.HopByHopHeaders;
import dev.sluice.dataplane.metrics.RequestMetrics;
import dev.sluice.dataplane.policy.FilterExchange;
import dev.sluice.dataplane.policy.RequestFilter;
import dev.sluice.dataplane.policy.ResponseFilter;
import dev.sluice.dataplane.policy.compress.ResponseCompressor;
import dev.sluice.dataplane.proxyprotocol.ClientAddress;
import dev.sluice.dataplane.routing.CompiledRoute;
import dev.sluice.dataplane.routing.EndpointState;
import dev.sluice.dataplane.routing.PickContext;
import dev.sluice.dataplane.routing.UpstreamTarget;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.upstream.AcquireCallback;
import dev.sluice.dataplane.upstream.UpstreamLink;
import dev.sluice.dataplane.upstream.UpstreamListener;
import dev.sluice.dataplane.upstream.UpstreamPool;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One request and its response, between a downstream connection and one upstream connection
 * (two, after a retry). The route is looked up once, when the head arrives, and kept: a snapshot
 * published meanwhile does not change where this request goes.
 *
 * <p>Body chunks of the request are written upstream as they arrive and the downstream is read
 * again only while the upstream is writable; response chunks go the other way under the same rule.
 * Nothing is ever buffered beyond what one read returned.
 *
 * <p>Thread safety: the downstream channel's event loop only, which is also the upstream's.
 */
final class Exchange
    implements AcquireCallback,
        UpstreamListener,
        FilterExchange,
        PickContext,
        TransferWatch.Expiry {
  static final AsciiString STRICT_TRANSPORT_SECURITY =
      AsciiString.cached("strict-transport-security");
  /** The peer of a channel that is not an IP socket: reported as "unknown", never trusted. */
  private static final InetSocketAddress UNKNOWN_PEER = InetSocketAddress.createUnresolved("unknown", 0);
  /** The client address filters see when it is not known (0.0.0.0: in no usual allow-list). */
  private static final InetAddress UNSPECIFIED = NetUtil.createInetAddressFromIpAddressString("0.0.0.0");

  private final ProxyHandler owner;
  private final ChannelHandlerContext ctx;
  private final ProxyConfig config;
  private final HttpRequest request;
  private final String originalUri; // request.uri() before any rewrite: logs, X-Original-URI
  private final boolean clientKeepAlive;
  private final boolean http10;
  private final boolean idempotent;
  private final boolean head;
  private final boolean upgrade;
  private final boolean expectContinue;
  private final ArrayDeque<HttpContent> queued = new ArrayDeque<>(2);

  private CompiledRoute route;
  private RoutePolicy policy;
  private UpstreamTarget target; // the route's main backend or its canary
  private EndpointState endpoint;
  private UpstreamLink link;
  private Channel up;
  private int attempt;
  private boolean headWritten; // the request head reached the upstream socket
  private boolean bodyWritten; // at least one body chunk was handed to the upstream
  private boolean requestReceived; // the request's last content arrived from downstream
  private boolean requestWritten; // ... and was handed to the upstream
  private boolean responseStarted; // the response head went downstream
  private boolean skipInterimEnd; // drop the empty content that ends a 1xx interim response
  private boolean upstreamKeepAlive;
  private boolean downstreamKeepAlive;
  private boolean done;
  private boolean bodyRefused; // hardening: the request body was refused; close after the answer
  private ScheduledFuture<?> headerTimer;
  private ErrorKind firstFailure;
  // metrics: when the head arrived, when it went to the upstream (last attempt), what was answered
  private final long startNanos = System.nanoTime();
  private final int methodClass;
  private long upstreamStartNanos;
  private int responseStatus;
  // access log: the derived client IP and the body bytes each way
  private String clientIp;
  private InetAddress clientAddress; // parsed from clientIp when a filter asks
  private int nextFilter; // index of the route's next request filter
  private Runnable doneAction; // FilterExchange.whenDone; run once in recordMetrics
  private int errorStatus; // custom-http-errors: the status the error Service's page goes out with
  private long bytesIn;
  private long bytesOut;
  private long maxBodySize; // the route's proxy-body-size, 0 = none (the listener's guard still applies)
  private TransferWatch transfer; // the route's body timeouts, null when it sets none

  Exchange(ProxyHandler owner, HttpRequest request) {
    this.owner = owner;
    this.ctx = owner.ctx();
    this.config = owner.config();
    this.request = request;
    this.originalUri = request.uri();
    HttpMethod method = request.method();
    this.clientKeepAlive = HttpUtil.isKeepAlive(request);
    this.http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    this.head = HttpMethod.HEAD.equals(method);
    this.idempotent =
        method.equals(HttpMethod.GET)
            || head
            || method.equals(HttpMethod.OPTIONS)
            || method.equals(HttpMethod.PUT)
            || method.equals(HttpMethod.DELETE)
            || method.equals(HttpMethod.TRACE);
    this.upgrade = HopByHopHeaders.isWebSocketUpgrade(request);
    this.expectContinue = HttpUtil.is100ContinueExpected(request);
    this.methodClass = RequestMetrics.methodClass(method);
  }

  void start() {
    HttpHeaders headers = request.headers();
    // first, so that even a 404 is logged with the client address trusted proxies give
    prepareRequestHead(headers);
    route = config.snapshots().current().match(headers.get(HttpHeaderNames.HOST), request.uri());
    if (route == null) {
      fail(ErrorKind.NO_ROUTE, null);
      return;
    }
    policy = route.route().policy();
    if (!policy.transfer().isNone() && !startTransferPolicy()) {
      return;
    }
    proceed(); // the route's request filters, then the upstream
  }

  /**
   * The route's {@code proxy-body-size} and body timeouts. A Content-Length above the size is
   * answered 413 at once (and the connection closed: the body is not read); a body that streams
   * past it is cut in {@link #onRequestContent}. False when the exchange ended here.
   */
  private boolean startTransferPolicy() {
    maxBodySize = policy.transfer().maxBodySize();
    if (maxBodySize > 0 && HttpUtil.getContentLength(request, -1L) > maxBodySize) {
      bodyRefused = true;
      fail(ErrorKind.BODY_TOO_LARGE, null);
      return false;
    }
    if (policy.transfer().readTimeout() != null || policy.transfer().sendTimeout() != null) {
      transfer = new TransferWatch(policy.transfer(), ctx.executor(), ctx.channel(), this);
    }
    return true;
  }

  @Override
  public void onTransferTimeout(ErrorKind kind) {
    if (!requestReceived) {
      bodyRefused = true; // the rest of the body is never read: the connection cannot be reused
    }
    fail(kind, null);
  }

  // ---- route policies (FilterExchange) ----

  @Override
  public void proceed() {
    if (done) {
      return; // ended meanwhile (client gone) while a filter waited
    }
    RequestFilter[] filters = route.filters().request();
    if (nextFilter < filters.length) {
      filters[nextFilter++].onRequest(this);
      return;
    }
    sendUpstream();
  }

  @Override
  public void respond(FullHttpResponse response) {
    if (done) {
      response.release();
      return;
    }
    done = true;
    HttpContent c;
    while ((c = queued.poll()) != null) { // body that arrived while an async filter decided
      c.release();
    }
    applyResponseFilters(response);
    recordMetrics(response.status().code());
    owner.respond(response, clientKeepAlive);
  }

  @Override
  public HttpRequest request() {
    return request;
  }

  @Override
  public CompiledRoute route() {
    return route;
  }

  @Override
  public InetAddress clientAddress() {
    if (clientAddress == null) {
      // X-Real-IP as derived in prepareRequestHead: an IP literal, parsed without DNS
      InetAddress parsed = clientIp == null ? null : NetUtil.createInetAddressFromIpAddressString(clientIp);
      clientAddress =
          parsed != null
              ? parsed
              : ClientAddress.source(ctx.channel()) instanceof InetSocketAddress source
                      && source.getAddress() != null
                  ? source.getAddress()
                  : UNSPECIFIED;
    }
    return clientAddress;
  }

  @Override
  public boolean tls() {
    return config.tls();
  }

  @Override
  public int httpsPort() {
    return config.httpsPort();
  }

  @Override
  public EventLoop eventLoop() {
    return ctx.channel().eventLoop();
  }

  @Override
  public UpstreamPool upstreamPool() {
    return config.pools().forLoop(ctx.channel().eventLoop());
  }

  @Override
  public void whenDone(Runnable action) {
    Runnable before = doneAction;
    doneAction =
        before == null
            ? action
            : () -> {
              before.run();
              action.run();
            };
  }

  @Override
  public ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  private void applyResponseFilters(HttpResponse response) {
    for (ResponseFilter f : route.filters().response()) {
      f.onResponse(this, response);
    }
  }

  private void sendUpstream() {
    target = route.target(this);
    endpoint = target.balancer().pick(null, this);
    if (endpoint == null) {
      if (!route.filters().errorPages().handles(503) || !toErrorPage(503)) {
        fail(ErrorKind.NO_ENDPOINT, null);
      }
      return;
    }
    HttpHeaders headers = request.headers();
    if (!headers.contains(HttpHeaderNames.HOST)) {
      headers.set(HttpHeaderNames.HOST, endpoint.endpoint().authority());
    }
    connect(false);
  }

  private void prepareRequestHead(HttpHeaders headers) {
    boolean chunked = HttpUtil.isTransferEncodingChunked(request);
    String upgradeTo = upgrade ? headers.get(HttpHeaderNames.UPGRADE) : null;
    HopByHopHeaders.strip(headers);
    if (chunked) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    if (upgradeTo != null) {
      headers.set(HttpHeaderNames.UPGRADE, upgradeTo);
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }
    if (expectContinue) {
      // answered here once the upstream is connected (as Envoy does): the upstream never waits
      headers.remove(HttpHeaderNames.EXPECT);
    }
    // the client and the port it connected to, from a PROXY protocol header when one was accepted
    Channel ch = ctx.channel();
    // IP sockets always; any other transport (an in-memory channel) has a peer of unknown
    // address, which is never trusted
    int localPort =
        ClientAddress.destination(ch) instanceof InetSocketAddress local ? local.getPort() : 0;
    InetSocketAddress peer =
        ClientAddress.source(ch) instanceof InetSocketAddress source ? source : UNKNOWN_PEER;
    clientIp = config.forwarded().apply(headers, peer, config.tls(), localPort);
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
  }

  private void connect(boolean fresh) {
    endpoint.requestStarted();
    config
        .pools()
        .forLoop(ctx.channel().eventLoop())
        // h2up: the backend's protocol picks an HTTP/1.1 connection or a stream on a shared h2c/h2
        // connection; either way the lease is an UpstreamLink driven the same way below
        .acquire(
            endpoint.endpoint(),
            errorStatus != 0 ? route.filters().errorPages().protocol() : target.group().protocol(),
            errorStatus != 0 ? null : target.tls(),
            policy.connectTimeout(),
            fresh,
            this);
  }

  // ---- upstream connection ----

  @Override
  public void onAcquired(UpstreamLink acquired) {
    if (done) {
      acquired.discard();
      return;
    }
    link = acquired;
    up = acquired.channel();
    upstreamStartNanos = System.nanoTime();
    acquired.attach(this);
    if (errorStatus != 0) { // custom-http-errors: a bodiless GET, complete in one write
      requestWritten = true;
      up.writeAndFlush(
              route
                  .filters()
                  .errorPages()
                  .request(request, originalUri, errorStatus, endpoint.endpoint().authority()))
          .addListener(
              f -> {
                onHeadWritten(acquired, f);
                onRequestWritten(acquired, f);
              });
      return;
    }
    // listeners check the link: a late callback of a connection given up for a retry is ignored
    up.writeAndFlush(request).addListener(f -> onHeadWritten(acquired, f));
  }

  @Override
  public void onAcquireFailed(Throwable cause) {
    if (done) {
      return;
    }
    ErrorKind kind =
        cause instanceof ConnectTimeoutException
            ? ErrorKind.CONNECT_TIMEOUT
            : cause instanceof ConnectException
                ? ErrorKind.CONNECT_REFUSED
                : cause instanceof SSLException ? ErrorKind.UPSTREAM_TLS : ErrorKind.CONNECT_ERROR;
    failBeforeResponse(kind, cause);
  }

  private void onHeadWritten(UpstreamLink writtenTo, Future<? super Void> f) {
    if (done || writtenTo != link) {
      return;
    }
    if (!f.isSuccess()) {
      // typically a pooled connection the server had closed: nothing of the request went out
      failBeforeResponse(ErrorKind.UPSTREAM_CLOSED, f.cause());
      return;
    }
    headWritten = true;
    if (expectContinue && !requestReceived) {
      ctx.writeAndFlush(
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
    HttpContent c;
    while ((c = queued.poll()) != null) {
      writeBody(c);
    }
    up.flush();
    up.read();
    readDownstreamIfReady();
  }

  private void writeBody(HttpContent c) {
    // an empty last chunk (every GET has one) is framing, not body: such a request can still be
    // retried when its connection or stream dies before any response (e.g. an h2 stream refused
    // by a GOAWAY that crossed it)
    if (c.content().isReadable()) {
      bodyWritten = true;
    }
    if (c instanceof LastHttpContent) {
      requestWritten = true;
      UpstreamLink writtenTo = link;
      up.write(c).addListener(f -> onRequestWritten(writtenTo, f));
    } else {
      up.write(c, up.voidPromise());
    }
  }

  private void onRequestWritten(UpstreamLink writtenTo, Future<? super Void> f) {
    if (transfer != null && writtenTo == link) {
      transfer.requestWritten();
    }
    if (f.isSuccess() && writtenTo == link && !done && !responseStarted && headerTimer == null) {
      headerTimer =
          ctx.executor()
              .schedule(
                  this::onResponseHeaderTimeout,
                  policy.responseHeaderTimeout().toNanos(),
                  TimeUnit.NANOSECONDS);
    }
  }

  private void onResponseHeaderTimeout() {
    if (!done && !responseStarted) {
      fail(ErrorKind.RESPONSE_HEADER_TIMEOUT, null);
    }
  }

  private void readDownstreamIfReady() {
    if (!done && !requestReceived && headWritten && up.isWritable()) {
      ctx.read();
    }
  }

  // ---- request body from downstream ----

  void onRequestContent(HttpContent content, boolean last) {
    if (last) {
      requestReceived = true;
    }
    if (content.decoderResult().isFailure()) {
      refuseBody(content); // hardening
      return;
    }
    bytesIn += content.content().readableBytes();
    if (maxBodySize > 0 && bytesIn > maxBodySize && !done) {
      content.release();
      bodyRefused = true;
      fail(ErrorKind.BODY_TOO_LARGE, null);
      return;
    }
    if (done || errorStatus != 0) { // an error page's request has no body: the client's is dropped
      content.release();
    } else if (headWritten) {
      writeBody(content);
      if (last) {
        up.flush();
      }
    } else {
      queued.add(content); // connecting; bounded by what one downstream read returned
    }
  }

  void onDownstreamReadComplete() {
    if (!done && headWritten) {
      up.flush();
      readDownstreamIfReady();
    }
  }

  @Override
  public void onUpstreamWritabilityChanged(boolean writable) {
    if (transfer != null && !requestWritten) {
      transfer.upstreamWritable(writable);
    }
    if (writable) {
      readDownstreamIfReady();
    }
  }

  // ---- response from upstream ----

  @Override
  public void onUpstreamRead(Object msg) {
    if (done) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (transfer != null) {
      transfer.upstreamRead();
    }
    if (msg instanceof HttpResponse response) {
      onResponseHead(response);
    } else if (msg instanceof HttpContent content) {
      onResponseContent(content);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onResponseHead(HttpResponse response) {
    if (response.decoderResult().isFailure()) {
      ReferenceCountUtil.release(response);
      fail(ErrorKind.UPSTREAM_PROTOCOL, response.decoderResult().cause());
      return;
    }
    int code = response.status().code();
    if (code == 101 && upgrade) {
      switchToTunnel(response);
      return;
    }
    if (code >= 100 && code < 200) {
      skipInterimEnd = true; // interim responses are not forwarded; 100-continue is ours
      ReferenceCountUtil.release(response);
      return;
    }
    if (errorStatus != 0) {
      code = errorStatus; // the error Service's page keeps the upstream's status
      response.setStatus(HttpResponseStatus.valueOf(code));
    } else if (route.filters().errorPages().handles(code) && toErrorPage(code)) {
      ReferenceCountUtil.release(response);
      return;
    }
    cancelHeaderTimer();
    responseStarted = true;
    responseStatus = code;
    upstreamKeepAlive = HttpUtil.isKeepAlive(response);
    prepareResponseHead(response, code);
    if (!policy.compression().isNone() && !head && !http10) {
      ResponseCompressor.prepare(ctx, policy.compression(), request, response);
    }
    ctx.write(response);
    if (transfer != null) {
      transfer.responseStarted();
    }
  }

  /**
   * custom-http-errors: the upstream answered {@code code} (or has no endpoint: 503) and nothing
   * went downstream yet. Its answer is dropped (the connection too: closing beats draining a body
   * of unknown length) and the error Service is asked for the page instead, once, never retried.
   *
   * @return false when the error Service has no ready endpoint (the original answer stands)
   */
  private boolean toErrorPage(int code) {
    EndpointState next = route.filters().errorPages().pick();
    if (next == null) {
      return false;
    }
    cancelHeaderTimer();
    errorStatus = code;
    attempt = 1;
    if (link != null) {
      link.discard();
      link = null;
      up = null;
    }
    if (endpoint != null) {
      endpoint.requestFinished();
    }
    endpoint = next;
    headWritten = false;
    HttpContent c;
    while ((c = queued.poll()) != null) {
      c.release();
    }
    connect(false);
    return true;
  }

  private void prepareResponseHead(HttpResponse response, int code) {
    HttpHeaders headers = response.headers();
    boolean bodyless = head || code == 204 || code == 304;
    boolean closeDelimited = false;
    HopByHopHeaders.strip(headers);
    response.setProtocolVersion(HttpVersion.HTTP_1_1);
    if (!bodyless && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      if (http10) {
        closeDelimited = true; // an HTTP/1.0 client cannot read chunked
      } else {
        headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
    }
    if (config.tls() && route.hsts() != null && !headers.contains(STRICT_TRANSPORT_SECURITY)) {
      headers.set(STRICT_TRANSPORT_SECURITY, route.hsts()); // the upstream's own value wins
    }
    // load balancing learns the latency; cookie affinity names the endpoint
    long latency = System.nanoTime() - upstreamStartNanos;
    if (errorStatus == 0) { // an error page's endpoint is not the route's
      target.balancer().onResponseHead(endpoint, this, response, latency);
    }
    applyResponseFilters(response);
    downstreamKeepAlive = clientKeepAlive && !closeDelimited && !owner.draining();
    if (!downstreamKeepAlive) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
  }

  private void onResponseContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (skipInterimEnd && last) {
      skipInterimEnd = false;
      content.release();
      return;
    }
    if (content.decoderResult().isFailure()) {
      Throwable cause = content.decoderResult().cause();
      content.release();
      fail(ErrorKind.UPSTREAM_PROTOCOL, cause);
      return;
    }
    if (!responseStarted) {
      content.release();
      return;
    }
    bytesOut += content.content().readableBytes();
    if (!last) {
      ctx.write(content, ctx.voidPromise());
      return;
    }
    ChannelFuture written = ctx.writeAndFlush(content);
    done = true;
    if (transfer != null) {
      transfer.end();
    }
    boolean reusable = upstreamKeepAlive && requestWritten;
    if (reusable) {
      link.release();
    } else {
      link.discard();
    }
    endpoint.requestFinished();
    recordMetrics(responseStatus);
    owner.exchangeEnded(written, downstreamKeepAlive);
  }

  @Override
  public void onUpstreamReadComplete() {
    if (done) {
      return;
    }
    if (responseStarted) {
      ctx.flush();
      if (ctx.channel().isWritable()) {
        up.read();
      }
    } else {
      up.read();
    }
  }

  void onDownstreamWritable() {
    if (!done && responseStarted) {
      up.read();
    }
  }

  private void switchToTunnel(HttpResponse response) {
    cancelHeaderTimer();
    if (transfer != null) {
      transfer.end();
    }
    done = true;
    responseStarted = true;
    HttpHeaders headers = response.headers();
    String upgradeTo = headers.get(HttpHeaderNames.UPGRADE);
    HopByHopHeaders.strip(headers);
    headers.set(HttpHeaderNames.UPGRADE, upgradeTo != null ? upgradeTo : "websocket");
    headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    // a tunnel is not a request in flight: least-request should not count hour-long sockets
    endpoint.requestFinished();
    // ... but a per-client slot (limit-connections) is held while the tunnel is open, as nginx's
    // limit_conn holds it for an upgraded connection's whole life
    Runnable untilClosed = doneAction;
    doneAction = null;
    if (untilClosed != null) {
      ctx.channel().closeFuture().addListener(f -> untilClosed.run());
    }
    recordMetrics(101);
    ctx.writeAndFlush(response);
    Channel downstream = ctx.channel();
    // Both relays hold what the codecs release when removed until both pipelines are raw bytes.
    // the idle timer sits on the client's side (leaveHttp), with the relay that writes upstream
    TunnelRelay toUpstream = new TunnelRelay(up, config.errors().idleCloses());
    TunnelRelay toDownstream = new TunnelRelay(downstream, null);
    owner.leaveHttp(toUpstream, policy.upgradedIdleTimeout());
    up.pipeline().replace(link, "tunnel", toDownstream);
    downstream.pipeline().remove(ProxyHandler.CODEC);
    up.pipeline().remove(UpstreamPool.CODEC);
    toUpstream.start();
    toDownstream.start();
  }

  // ---- failures ----

  /**
   * Hardening: the body cannot be forwarded (the codec could not parse a chunk, or a guard cut it:
   * too large, too slow). The upstream connection is discarded without the body's end, so the
   * upstream never sees a complete request; the client gets the status (when nothing of the
   * response went out yet) and the connection closes: its framing is lost.
   */
  private void refuseBody(HttpContent content) {
    Throwable cause = content.decoderResult().cause();
    content.release();
    if (done) {
      return;
    }
    bodyRefused = true;
    fail(cause instanceof RequestRejection r ? r.kind() : ErrorKind.BAD_REQUEST, cause);
  }

  @Override
  public void onUpstreamInactive() {
    if (!done) {
      if (responseStarted) {
        fail(ErrorKind.UPSTREAM_RESET, null);
      } else {
        failBeforeResponse(ErrorKind.UPSTREAM_CLOSED, null);
      }
    }
  }

  @Override
  public void onUpstreamException(Throwable cause) {
    if (!done) {
      if (responseStarted) {
        fail(ErrorKind.UPSTREAM_RESET, cause);
      } else {
        failBeforeResponse(ErrorKind.UPSTREAM_CLOSED, cause);
      }
    }
  }

  void onDownstreamClosed() {
    if (!done) {
      fail(ErrorKind.CLIENT_CLOSED, null);
    }
  }

  /**
   * Nothing of the response went downstream. Retry once on another endpoint when the request is
   * idempotent and none of its body was sent: the upstream cannot have acted on it (connect
   * failures), or it was a pooled connection closed under us (the request met a dead socket).
   */
  private void failBeforeResponse(ErrorKind kind, Throwable cause) {
    if (errorStatus == 0 // the error Service's endpoint is not the route balancer's
        && (kind != ErrorKind.UPSTREAM_CLOSED || link == null || !link.reused())) {
      target.balancer().onFailure(endpoint); // a stale pooled connection says nothing of it
    }
    boolean nothingSent =
        kind == ErrorKind.CONNECT_REFUSED
            || kind == ErrorKind.CONNECT_TIMEOUT
            || kind == ErrorKind.CONNECT_ERROR
            || (kind == ErrorKind.UPSTREAM_CLOSED && (!headWritten || link.reused()));
    if (attempt == 0 && idempotent && !bodyWritten && nothingSent) {
      retry(kind);
      return;
    }
    fail(kind, cause);
  }

  private void retry(ErrorKind kind) {
    config.errors().count(kind);
    firstFailure = kind;
    attempt++;
    if (link != null) {
      link.discard();
      link = null;
      up = null;
    }
    headWritten = false;
    EndpointState failed = endpoint;
    failed.requestFinished();
    EndpointState next = target.balancer().pick(failed, this);
    if (next == null) {
      endpoint = null;
      fail(kind, null);
      return;
    }
    endpoint = next;
    // a fresh connection: the idle ones of a restarted endpoint may all be dead
    connect(true);
  }

  /** Ends the exchange with an error: Sluice's own page, or a cut connection after the head. */
  private void fail(ErrorKind kind, Throwable cause) {
    if (done) {
      return;
    }
    done = true;
    cancelHeaderTimer();
    if (transfer != null) {
      transfer.end();
    }
    HttpContent c;
    while ((c = queued.poll()) != null) {
      c.release();
    }
    String upstream = endpoint != null ? endpoint.endpoint().authority() : "-";
    if (link != null) {
      link.discard();
    }
    if (endpoint != null) {
      endpoint.requestFinished();
    }
    config.errors().count(kind);
    config.errors().log(kind, describe(), retried(upstream), cause);
    recordMetrics(
        responseStarted ? responseStatus : kind.status() != null ? kind.status().code() : 0);
    if (kind == ErrorKind.CLIENT_CLOSED) {
      return; // the handler is already gone with its channel
    }
    if (responseStarted || kind.status() == null) {
      owner.exchangeAborted();
    } else {
      owner.respondLocal(kind, clientKeepAlive && !bodyRefused);
    }
  }

  /** Once per exchange, when it ends: {@code status} is what the client got (0: nothing). */
  private void recordMetrics(int status) {
    if (doneAction != null) { // the one place every ending passes through
      Runnable action = doneAction;
      doneAction = null;
      action.run();
    }
    long now = System.nanoTime();
    RequestMetrics.RouteMeters meters =
        config.requests().route(route == null ? null : route.route().name());
    meters.record(methodClass, status, now - startNanos);
    if (upstreamStartNanos != 0) {
      meters.recordUpstream(now - upstreamStartNanos);
    }
    logAccess(status, now);
  }

  /** Once per exchange, with {@link #recordMetrics} or for an answer that is not metered. */
  private void logAccess(int status, long now) {
    AccessLog accessLog = config.accessLog();
    if (accessLog.sampled()) {
      accessLog.offer(accessEntry(status, now));
    }
  }

  /** The fields of this request's access-log line; the line is built on the log's own thread. */
  private AccessEntry accessEntry(int status, long now) {
    HttpHeaders headers = request.headers();
    String client = clientIp;
    if (client == null) { // ended before the forwarded headers were derived
      client = AccessEntry.ip(ClientAddress.source(ctx.channel()));
    }
    return new AccessEntry(
        AccessEntry.HTTP,
        System.currentTimeMillis(),
        client,
        headers.get(HttpHeaderNames.HOST),
        request.method().name(),
        originalUri, // as the client sent it, not as a rewrite made it
        ctx.channel() instanceof Http2StreamChannel ? "HTTP/2.0" : http10 ? "HTTP/1.0" : "HTTP/1.1",
        route == null ? null : route.route().name(),
        endpoint == null ? null : endpoint.endpoint().authority(),
        status,
        bytesIn,
        bytesOut,
        now - startNanos,
        upstreamStartNanos == 0 ? -1 : now - upstreamStartNanos,
        headers.get(HttpHeaderNames.USER_AGENT),
        headers.get(HttpHeaderNames.REFERER));
  }

  private String retried(String upstream) {
    return firstFailure == null ? upstream : upstream + " (retried after " + firstFailure.tag() + ")";
  }

  private String describe() {
    String routeName = route != null ? " route=" + route.route().name() : "";
    return request.method() + " " + request.headers().get(HttpHeaderNames.HOST, "-") + originalUri + routeName;
  }

  private void cancelHeaderTimer() {
    if (headerTimer != null) {
      headerTimer.cancel(false);
      headerTimer = null;
    }
  }
}

package dev.sluice.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/** Serves the {@link TestBackend} endpoints on one connection. Event loop of its channel only. */
final class BackendHandler extends ChannelInboundHandlerAdapter {
  static final String NAME = "backend";
  private final TestBackend backend;
  private HttpRequest request;
  private QueryStringDecoder query;
  private long bodyLength;
  private CRC32 crc;

  BackendHandler(TestBackend backend) {
    this.backend = backend;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req) {
      backend.requests.incrementAndGet();
      request = req;
      query = new QueryStringDecoder(req.uri());
      bodyLength = 0;
      crc = new CRC32();
      if (query.path().equals("/ws")) {
        upgradeToWebSocket(ctx, msg);
        return;
      }
      if (query.path().equals("/close")) {
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
    }
    if (msg instanceof HttpContent content) {
      if (bodyLength == 0 && query.path().equals("/upload") && content.content().isReadable()) {
        pauseReading(ctx, Long.parseLong(param("pauseMs", "0")));
      }
      ByteBuf buf = content.content();
      bodyLength += buf.readableBytes();
      if (buf.hasArray()) {
        crc.update(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
      } else {
        crc.update(buf.nioBuffer());
      }
    }
    boolean last = msg instanceof LastHttpContent;
    ReferenceCountUtil.release(msg);
    if (last && request != null && ctx.channel().isActive()) {
      respond(ctx);
    }
  }

  /** A slow consumer: stops reading for a while, so the proxy must stop reading its client. */
  private static void pauseReading(ChannelHandlerContext ctx, long ms) {
    if (ms > 0) {
      ctx.channel().config().setAutoRead(false);
      ctx.executor()
          .schedule(() -> ctx.channel().config().setAutoRead(true), ms, TimeUnit.MILLISECONDS);
    }
  }

  private void upgradeToWebSocket(ChannelHandlerContext ctx, Object msg) {
    ctx.pipeline()
        .addAfter(NAME, "ws-echo", new WebSocketEcho())
        .addAfter(
            NAME,
            "ws",
            new WebSocketServerProtocolHandler(
                WebSocketServerProtocolConfig.newBuilder()
                    .websocketPath("/ws")
                    .decoderConfig(
                        WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(16 << 20).build())
                    .build()))
        .addAfter(NAME, "aggregator", new HttpObjectAggregator(64 * 1024));
    ctx.fireChannelRead(msg);
    ctx.pipeline().remove(this);
  }

  private void respond(ChannelHandlerContext ctx) {
    HttpRequest req = request;
    request = null;
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    switch (query.path()) {
      case "/echo" -> send(ctx, HttpResponseStatus.OK, echoJson(ctx, req), "application/json", keepAlive);
      case "/upload" ->
          send(
              ctx,
              HttpResponseStatus.OK,
              "bytes=" + bodyLength + " crc32=" + crc.getValue(),
              "text/plain",
              keepAlive);
      case "/status" -> {
        int code = Integer.parseInt(param("code", "200"));
        send(ctx, HttpResponseStatus.valueOf(code), "status " + code, "text/plain", keepAlive);
      }
      case "/slow" -> {
        long ms = Long.parseLong(param("ms", "1000"));
        ctx.executor()
            .schedule(
                () -> send(ctx, HttpResponseStatus.OK, "slow " + ms, "text/plain", keepAlive),
                ms,
                TimeUnit.MILLISECONDS);
      }
      case "/bytes" -> bytes(ctx, Long.parseLong(param("n", "0")), param("cl", "0").equals("1"), keepAlive);
      case "/truncate" -> truncate(ctx, Integer.parseInt(param("n", "1000")));
      case "/drip" ->
          drip(ctx, Integer.parseInt(param("chunks", "10")), Long.parseLong(param("ms", "100")), keepAlive);
      default -> send(ctx, HttpResponseStatus.OK, echoJson(ctx, req), "application/json", keepAlive);
    }
  }

  private String param(String name, String dflt) {
    List<String> values = query.parameters().get(name);
    return values == null || values.isEmpty() ? dflt : values.get(0);
  }

  private void bytes(ChannelHandlerContext ctx, long n, boolean contentLength, boolean keepAlive) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
    head.headers().set("x-backend", backend.name());
    ChannelFuture done;
    if (contentLength) {
      HttpUtil.setContentLength(head, n);
      ctx.write(head);
      ctx.write(new PatternInput(n));
      done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    } else {
      HttpUtil.setTransferEncodingChunked(head, true);
      ctx.write(head);
      done = ctx.writeAndFlush(new HttpChunkedInput(new PatternInput(n)));
    }
    if (!keepAlive) {
      done.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Promises {@code n} bytes, sends half, and closes: a backend dying mid-response. */
  private void truncate(ChannelHandlerContext ctx, int n) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    HttpUtil.setContentLength(head, n);
    ctx.write(head);
    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[n / 2])))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private void drip(ChannelHandlerContext ctx, int chunks, long ms, boolean keepAlive) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    HttpUtil.setTransferEncodingChunked(head, true);
    ctx.writeAndFlush(head);
    dripNext(ctx, chunks, ms, keepAlive);
  }

  private void dripNext(ChannelHandlerContext ctx, int remaining, long ms, boolean keepAlive) {
    if (!ctx.channel().isActive()) {
      return;
    }
    if (remaining == 0) {
      ChannelFuture f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    ctx.writeAndFlush(
        new DefaultHttpContent(Unpooled.copiedBuffer("tick\n", StandardCharsets.US_ASCII)));
    ctx.executor()
        .schedule(() -> dripNext(ctx, remaining - 1, ms, keepAlive), ms, TimeUnit.MILLISECONDS);
  }

  private void send(
      ChannelHandlerContext ctx,
      HttpResponseStatus status,
      String body,
      String type,
      boolean keepAlive) {
    if (!ctx.channel().isActive()) {
      return;
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    response.headers().set("x-backend", backend.name());
    String sts = param("sts", null);
    if (sts != null) {
      response.headers().set("strict-transport-security", sts);
    }
    HttpUtil.setContentLength(response, response.content().readableBytes());
    if (!keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ChannelFuture f = ctx.writeAndFlush(response);
    if (!keepAlive) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private String echoJson(ChannelHandlerContext ctx, HttpRequest req) {
    Map<String, String> headers = new TreeMap<>();
    for (Map.Entry<String, String> h : req.headers()) {
      headers.merge(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue(), (a, b) -> a + ", " + b);
    }
    StringBuilder json = new StringBuilder("{");
    field(json, "backend", backend.name()).append(',');
    field(json, "method", req.method().name()).append(',');
    field(json, "uri", req.uri()).append(',');
    json.append("\"bodyLength\":").append(bodyLength).append(',');
    String sni = TestBackend.sniOf(ctx.channel());
    if (sni != null) {
      field(json, "tls", sni).append(',');
    }
    json.append("\"headers\":{");
    boolean first = true;
    for (Map.Entry<String, String> h : headers.entrySet()) {
      if (!first) {
        json.append(',');
      }
      first = false;
      field(json, h.getKey(), h.getValue());
    }
    return json.append("}}").toString();
  }

  private static StringBuilder field(StringBuilder json, String key, String value) {
    return quote(quote(json, key).append(':'), value);
  }

  private static StringBuilder quote(StringBuilder json, String s) {
    json.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        json.append('\\').append(c);
      } else if (c < 0x20) {
        json.append(String.format("\\u%04x", (int) c));
      } else {
        json.append(c);
      }
    }
    return json.append('"');
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  /** Echoes WebSocket text and binary frames. */
  private static final class WebSocketEcho extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof TextWebSocketFrame text) {
        String s = text.text();
        text.release();
        ctx.writeAndFlush(new TextWebSocketFrame(s));
      } else if (msg instanceof BinaryWebSocketFrame binary) {
        ctx.writeAndFlush(new BinaryWebSocketFrame(binary.content()));
      } else if (msg instanceof WebSocketFrame frame) {
        frame.release();
      } else {
        ReferenceCountUtil.release(msg);
      }
    }
  }
}

package dev.sluice.dataplane.policy.compress;

import dev.sluice.dataplane.snapshot.CompressionPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.BrotliEncoder;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.handler.codec.compression.ZstdEncoder;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Compresses response bodies on their way downstream, chunk by chunk as they arrive (nothing is
 * buffered beyond what the encoder holds): gzip, and brotli and zstd where their native libraries
 * load. One per downstream connection (HTTP/1.1) or stream (HTTP/2), added to the pipeline just
 * before the proxy handler the first time a route with compression answers on it, so connections
 * that never meet such a route carry nothing extra.
 *
 * <p>It compresses only the response the proxy {@link #prepare prepared} right before writing its
 * head; every other message (other responses, a WebSocket tunnel's raw bytes after an upgrade)
 * passes through untouched.
 *
 * <p>Thread safety: the channel's event loop only.
 */
public final class ResponseCompressor extends ChannelOutboundHandlerAdapter {
  public static final String NAME = "compress";
  private static final int GZIP_LEVEL = 6;
  private static final int ZSTD_LEVEL = 3;

  private String pending; // encoding for the next response head written
  private EmbeddedChannel encoder; // while a compressed body is in flight

  /**
   * Decides for one upstream response about to be written through {@code proxyCtx} (the proxy
   * handler's context): when it is to be compressed, its head is changed for that and the
   * connection's compressor (added on first use) encodes its body. Call right before writing the
   * head; not for HEAD requests or HTTP/1.0 clients (their framing cannot change to chunked).
   */
  public static void prepare(
      ChannelHandlerContext proxyCtx, CompressionPolicy p, HttpRequest request, HttpResponse response) {
    String encoding =
        ContentNegotiation.apply(p, request.headers().get(HttpHeaderNames.ACCEPT_ENCODING), response);
    if (encoding == null) {
      return;
    }
    ChannelHandler h = proxyCtx.pipeline().get(NAME);
    ResponseCompressor c;
    if (h instanceof ResponseCompressor existing) {
      c = existing;
    } else {
      c = new ResponseCompressor();
      proxyCtx.pipeline().addBefore(proxyCtx.name(), NAME, c);
    }
    c.pending = encoding;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse head) {
      cleanup(); // a response that ended without its last content (aborted): start fresh
      if (pending != null) {
        encoder = newEncoder(ctx, pending);
        pending = null;
      }
      if (!(msg instanceof HttpContent) || encoder == null) {
        ctx.write(msg, promise);
        return;
      }
      // a head with content in one message: the head first, then its content compressed
      ctx.write(new io.netty.handler.codec.http.DefaultHttpResponse(
          head.protocolVersion(), head.status(), head.headers()), ctx.voidPromise());
    }
    if (encoder != null && msg instanceof HttpContent content) {
      encode(ctx, content, promise);
      return;
    }
    ctx.write(msg, promise);
  }

  private void encode(ChannelHandlerContext ctx, HttpContent content, ChannelPromise promise) {
    boolean last = content instanceof LastHttpContent;
    ByteBuf out;
    try {
      if (content.content().isReadable()) {
        encoder.writeOutbound(content.content().retain());
      }
      if (last) {
        encoder.finish();
      }
      out = drain(ctx);
    } catch (RuntimeException e) {
      ReferenceCountUtil.release(content);
      cleanup();
      promise.tryFailure(e);
      ctx.close(); // the body is corrupt from here on: the client must not take it as whole
      return;
    }
    if (last) {
      LastHttpContent end = new DefaultLastHttpContent(out);
      end.trailingHeaders().set(((LastHttpContent) content).trailingHeaders());
      ReferenceCountUtil.release(content);
      encoder = null;
      ctx.write(end, promise);
    } else {
      ReferenceCountUtil.release(content);
      if (out.isReadable()) {
        ctx.write(new DefaultHttpContent(out), promise);
      } else {
        out.release();
        promise.trySuccess(); // nothing to send yet: the encoder keeps it for the next chunk
      }
    }
  }

  private ByteBuf drain(ChannelHandlerContext ctx) {
    ByteBuf first = encoder.readOutbound();
    if (first == null) {
      return Unpooled.EMPTY_BUFFER;
    }
    ByteBuf next = encoder.readOutbound();
    if (next == null) {
      return first;
    }
    CompositeByteBuf all = ctx.alloc().compositeBuffer();
    all.addComponent(true, first);
    do {
      all.addComponent(true, next);
    } while ((next = encoder.readOutbound()) != null);
    return all;
  }

  private static EmbeddedChannel newEncoder(ChannelHandlerContext ctx, String encoding) {
    ChannelHandler codec =
        switch (encoding) {
          case "br" -> new BrotliEncoder(StandardCompressionOptions.brotli());
          case "zstd" -> new ZstdEncoder(ZSTD_LEVEL);
          default -> ZlibCodecFactory.newZlibEncoder(ZlibWrapper.GZIP, GZIP_LEVEL);
        };
    EmbeddedChannel ch = new EmbeddedChannel(codec);
    ch.config().setAllocator(ctx.alloc());
    return ch;
  }

  private void cleanup() {
    if (encoder != null) {
      encoder.finishAndReleaseAll();
      encoder = null;
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cleanup();
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    cleanup();
    ctx.close(promise);
  }
}

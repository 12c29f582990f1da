package dev.sluice.dataplane.guard;

import dev.sluice.dataplane.proxy.ErrorKind;
import dev.sluice.dataplane.proxy.RequestRejection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Refuses obsolete line folding (a header line that starts with SP or HTAB, RFC 9112 5.2) with 400.
 * Netty's decoder silently joins such a line to the previous header, so it cannot be seen after the
 * codec; this guard reads the raw bytes before it (the {@link #rawSide()} handler) and marks the
 * request once the codec has decoded it (this handler, after the codec).
 *
 * <p>To know where each head starts it follows the framing of the requests in the byte stream: the
 * raw side hands the codec the bytes up to the end of each head, so the decoded head (and with it
 * Content-Length or chunked) is known here before the bytes after it are looked at; Content-Length
 * bodies are skipped by count, chunked ones by following the chunk sizes. After a 101 or a refused
 * request it stops looking: the connection is no longer HTTP/1.1 or is closing.
 *
 * <p>Thread safety: event loop of its channel only.
 */
public final class ObsFoldGuard extends ChannelDuplexHandler {
  public static final String NAME = "obs-fold";
  public static final String RAW_NAME = "obs-fold-raw";

  private enum State { HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, OFF }

  private final RawSide raw = new RawSide();
  private State state = State.HEAD;
  private boolean lineStart = true;
  private boolean firstLine = true;
  private int lineLength;
  private long remaining; // body bytes (Content-Length) or chunk bytes left to skip
  private boolean chunkSizeDone; // past the hex digits of the chunk-size line
  private boolean folded; // the head being read has an obs-fold
  private boolean headEnded; // a head ended in the bytes just handed to the codec

  /** Goes right before the HTTP codec. */
  public ChannelInboundHandlerAdapter rawSide() {
    return raw;
  }

  // ---- after the codec: decoded heads ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request && state != State.OFF) {
      if (folded && request.decoderResult().isSuccess()) {
        request.setDecoderResult(
            DecoderResult.failure(
                new RequestRejection(ErrorKind.BAD_REQUEST, "obsolete line folding (obs-fold)")));
      }
      if (request.decoderResult().isFailure()) {
        state = State.OFF; // the connection closes after the answer
      } else if (HttpUtil.isTransferEncodingChunked(request)) {
        state = State.CHUNK_SIZE;
        chunkSizeDone = false;
        remaining = 0;
      } else {
        remaining = Math.max(0, HttpUtil.getContentLength(request, 0L));
        state = remaining > 0 ? State.BODY : State.HEAD;
      }
      folded = false;
      resetLine();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response && response.status().code() == 101) {
      state = State.OFF; // a tunnel follows: its bytes are not HTTP
    }
    ctx.write(msg, promise);
  }

  private void resetLine() {
    lineStart = true;
    firstLine = true;
    lineLength = 0;
  }

  // ---- before the codec: raw bytes ----

  private final class RawSide extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf) || state == State.OFF) {
        ctx.fireChannelRead(msg);
        return;
      }
      // hand the codec the bytes up to each head's end, so the head is decoded before the
      // bytes after it are scanned with its framing
      int from = buf.readerIndex();
      int end = buf.writerIndex();
      int i = from;
      while (i < end && state != State.OFF) {
        headEnded = false;
        i = scan(buf, i, end);
        if (headEnded && i < end) {
          ctx.fireChannelRead(buf.retainedSlice(from, i - from));
          from = i;
        }
      }
      buf.readerIndex(from);
      ctx.fireChannelRead(buf);
    }
  }

  /** Scans from {@code i}; returns where it stopped (end, or just past a head's end). */
  private int scan(ByteBuf buf, int i, int end) {
    while (i < end) {
      switch (state) {
        case HEAD -> {
          byte b = buf.getByte(i++);
          if (b == '\n') {
            if (lineLength == 0 && !firstLine) {
              headEnded = true;
              return i; // the codec decodes this head next; channelRead above sets the framing
            }
            if (lineLength > 0) {
              firstLine = false;
            }
            lineStart = true;
            lineLength = 0;
          } else if (b != '\r') {
            if (lineStart && !firstLine && (b == ' ' || b == '\t')) {
              folded = true;
            }
            lineStart = false;
            lineLength++;
          }
        }
        case BODY -> {
          int n = (int) Math.min(remaining, end - i);
          i += n;
          remaining -= n;
          if (remaining == 0) {
            state = State.HEAD;
            resetLine();
          }
        }
        case CHUNK_SIZE -> {
          byte b = buf.getByte(i++);
          if (b == '\n') {
            state = remaining == 0 ? State.TRAILERS : State.CHUNK_DATA;
            chunkSizeDone = false;
            lineLength = 0;
          } else if (!chunkSizeDone && Character.digit(b, 16) >= 0) {
            remaining = remaining * 16 + Character.digit(b, 16);
            if (remaining > Integer.MAX_VALUE) {
              state = State.OFF; // the codec refuses it too
            }
          } else {
            chunkSizeDone = true; // extensions, CR
          }
        }
        case CHUNK_DATA -> {
          int n = (int) Math.min(remaining, end - i);
          i += n;
          remaining -= n;
          if (remaining == 0) {
            state = State.CHUNK_DATA_END;
          }
        }
        case CHUNK_DATA_END -> {
          if (buf.getByte(i++) == '\n') {
            state = State.CHUNK_SIZE;
          }
        }
        case TRAILERS -> {
          byte b = buf.getByte(i++);
          if (b == '\n') {
            if (lineLength == 0) {
              state = State.HEAD;
              resetLine();
            }
            lineLength = 0;
          } else if (b != '\r') {
            lineLength++;
          }
        }
        case OFF -> {
          return end;
        }
      }
    }
    return i;
  }
}

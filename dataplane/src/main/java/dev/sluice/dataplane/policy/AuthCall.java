package dev.sluice.dataplane.policy;

import dev.sluice.dataplane.http.ErrorResponses;
import dev.sluice.dataplane.upstream.AcquireCallback;
import dev.sluice.dataplane.upstream.UpstreamLink;
import dev.sluice.dataplane.upstream.UpstreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One external-auth subrequest ({@link ExternalAuthFilter}) and its outcome for the waiting
 * request. A pooled connection that turns out closed before any answer is retried once on a fresh
 * one (the subrequest has no body and did nothing). The whole call, connect included, is bounded
 * by the policy's timeout. Up to {@link #MAX_BODY} bytes of a 401/403 body are kept to pass on.
 *
 * <p>Thread safety: the request's event loop only (the pool and its links live there too).
 */
final class AuthCall implements AcquireCallback, UpstreamListener {
  static final int MAX_BODY = 16 * 1024;
  /** What of a 401/403 goes back to the client besides status and body. */
  private static final CharSequence[] PASSED_ON = {
    HttpHeaderNames.WWW_AUTHENTICATE, HttpHeaderNames.SET_COOKIE, HttpHeaderNames.CONTENT_TYPE
  };
  private static final Logger log = LoggerFactory.getLogger(AuthCall.class);

  private final ExternalAuthFilter filter;
  private final FilterExchange x;
  private final HttpHeaders headers;
  private final Sha256Key cacheKey; // null: not remembered
  private UpstreamLink link;
  private ScheduledFuture<?> timer;
  private boolean retried;
  private boolean finished;
  private boolean skipInterimEnd;
  private int status; // 0 until the final response head arrived
  private HttpHeaders responseHeaders;
  private boolean keepAlive;
  private ByteBuf body;

  AuthCall(ExternalAuthFilter filter, FilterExchange x, HttpHeaders headers, Sha256Key cacheKey) {
    this.filter = filter;
    this.x = x;
    this.headers = headers;
    this.cacheKey = cacheKey;
  }

  void start() {
    timer =
        x.eventLoop()
            .schedule(this::onTimeout, filter.config.timeout().toNanos(), TimeUnit.NANOSECONDS);
    acquire(false);
  }

  private void acquire(boolean fresh) {
    x.upstreamPool().acquire(filter.endpoint, filter.tls, filter.config.timeout(), fresh, this);
  }

  @Override
  public void onAcquired(UpstreamLink acquired) {
    if (finished) {
      acquired.release(); // unused: nothing was written on it
      return;
    }
    link = acquired;
    acquired.attach(this);
    DefaultFullHttpRequest req =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            filter.method,
            filter.target,
            Unpooled.EMPTY_BUFFER,
            headers,
            EmptyHttpHeaders.INSTANCE);
    acquired
        .channel()
        .writeAndFlush(req)
        .addListener(
            f -> {
              if (!f.isSuccess() && acquired == link) {
                lost(f.cause());
              }
            });
    acquired.channel().read();
  }

  @Override
  public void onAcquireFailed(Throwable cause) {
    fail("cannot connect: " + cause, null);
  }

  @Override
  public void onUpstreamRead(Object msg) {
    if (finished) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse head) {
      if (head.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        fail("unparsable response", head.decoderResult().cause());
        return;
      }
      int code = head.status().code();
      if (code < 200) {
        skipInterimEnd = true;
      } else {
        status = code;
        responseHeaders = head.headers();
        keepAlive = HttpUtil.isKeepAlive(head);
      }
    }
    if (msg instanceof HttpContent content) {
      boolean last = content instanceof LastHttpContent;
      if (content.decoderResult().isFailure()) {
        content.release();
        fail("unparsable response body", content.decoderResult().cause());
        return;
      }
      if ((status == 401 || status == 403) && !skipInterimEnd) {
        keep(content.content());
      }
      content.release();
      if (last) {
        if (skipInterimEnd) {
          skipInterimEnd = false;
        } else {
          complete();
        }
      }
    } else if (!(msg instanceof HttpResponse)) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void onUpstreamReadComplete() {
    if (!finished && link != null) {
      link.channel().read();
    }
  }

  @Override
  public void onUpstreamWritabilityChanged(boolean writable) {}

  @Override
  public void onUpstreamInactive() {
    lost(null);
  }

  @Override
  public void onUpstreamException(Throwable cause) {
    lost(cause);
  }

  /** The connection died: retry a pooled one that said nothing yet, else give up. */
  private void lost(Throwable cause) {
    if (finished) {
      return;
    }
    if (status == 0 && !retried && link != null && link.reused()) {
      retried = true;
      link.discard();
      link = null;
      acquire(true);
      return;
    }
    fail("connection closed before the answer", cause);
  }

  private void onTimeout() {
    fail("no answer within " + filter.config.timeout().toMillis() + " ms", null);
  }

  private void keep(ByteBuf chunk) {
    int room = MAX_BODY - (body == null ? 0 : body.readableBytes());
    int n = Math.min(room, chunk.readableBytes());
    if (n <= 0) {
      return;
    }
    if (body == null) {
      body = x.alloc().buffer(n);
    }
    body.writeBytes(chunk, chunk.readerIndex(), n);
  }

  private void complete() {
    finished = true;
    timer.cancel(false);
    UpstreamLink done = link;
    link = null;
    if (keepAlive) {
      done.release();
    } else {
      done.discard();
    }
    AuthVerdict verdict = verdict();
    if (verdict.status() < 200 || (verdict.status() >= 300 && verdict.status() != 401
        && verdict.status() != 403)) {
      log.warn("auth-url {} answered {} for {} {}: answering 500", filter.config.url(), status,
          x.request().method(), x.request().uri());
    }
    filter.remember(cacheKey, verdict);
    filter.apply(x, verdict);
  }

  /** The answer as the request needs it; the body buffer is released here. */
  private AuthVerdict verdict() {
    List<Map.Entry<CharSequence, String>> kept = new ArrayList<>();
    CharSequence[] names =
        status >= 200 && status < 300 ? filter.responseHeaders : PASSED_ON;
    for (CharSequence name : names) {
      for (String value : responseHeaders.getAll(name)) {
        kept.add(Map.entry(name, value));
      }
    }
    byte[] bytes = new byte[0];
    if (body != null) {
      bytes = ByteBufUtil.getBytes(body);
      releaseBody();
    }
    return new AuthVerdict(status, List.copyOf(kept), bytes, 0);
  }

  private void fail(String why, Throwable cause) {
    if (finished) {
      return;
    }
    finished = true;
    if (timer != null) {
      timer.cancel(false);
    }
    if (link != null) {
      link.discard();
      link = null;
    }
    releaseBody();
    log.warn("auth-url {} for {} {}: {}; answering 500", filter.config.url(),
        x.request().method(), x.request().uri(), why, cause);
    x.respond(ErrorResponses.of(HttpResponseStatus.INTERNAL_SERVER_ERROR, x.alloc()));
  }

  private void releaseBody() {
    if (body != null) {
      body.release();
      body = null;
    }
  }
}

package dev.sluice.dataplane.proxy;

import dev.sluice.dataplane.snapshot.AcmeChallenges;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Answers ACME HTTP-01 validation requests ({@code GET /.well-known/acme-challenge/<token>}, RFC
 * 8555 §8.3) from the snapshot's {@link AcmeChallenges}, before routing: the key authorization as
 * {@code text/plain}. A token the snapshot does not hold is not answered here, so the request is
 * routed as usual (an application or another ACME client behind Sluice may own it). Any Host is
 * accepted: tokens are unguessable and the validator sends the name being validated.
 *
 * <p>Stateless; called on the downstream event loop. The check costs one {@code startsWith} for
 * requests that are not challenges.
 */
final class AcmeHttp01 {
  static final String PREFIX = "/.well-known/acme-challenge/";

  private AcmeHttp01() {}

  /** The response for {@code request}, or {@code null} when it is no challenge Sluice answers. */
  static FullHttpResponse answer(HttpRequest request, AcmeChallenges challenges, ByteBufAllocator alloc) {
    String uri = request.uri();
    if (challenges.http01().isEmpty() || !uri.startsWith(PREFIX)) {
      return null;
    }
    boolean head = HttpMethod.HEAD.equals(request.method());
    if (!head && !HttpMethod.GET.equals(request.method())) {
      return null;
    }
    int end = uri.length();
    for (int i = PREFIX.length(); i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    String keyAuthorization = challenges.http01().get(uri.substring(PREFIX.length(), end));
    if (keyAuthorization == null) {
      return null;
    }
    byte[] body = keyAuthorization.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            request.protocolVersion(),
            HttpResponseStatus.OK,
            head ? alloc.buffer(0) : ByteBufUtil.writeAscii(alloc, keyAuthorization));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    return response;
  }
}

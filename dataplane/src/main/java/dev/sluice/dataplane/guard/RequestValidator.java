package dev.sluice.dataplane.guard;

import dev.sluice.dataplane.proxy.ErrorKind;
import dev.sluice.dataplane.proxy.RequestRejection;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * Checks each decoded HTTP/1.x request head for what Netty's decoder lets through but a proxy must
 * not forward (RFC 9112), and puts absolute-form targets into the origin form the upstream gets:
 *
 * <ul>
 *   <li>more header lines than {@code maxHeaderCount} → 431 ({@link ErrorKind#TOO_MANY_HEADERS});
 *   <li>a Transfer-Encoding other than exactly {@code chunked} (e.g. {@code gzip, chunked}: the
 *       proxy re-frames bodies and would drop the coding) → 400;
 *   <li>a Content-Length above {@code maxBodySize} → 413, before anything goes upstream;
 *   <li>HTTP/1.1 without exactly one Host, more than one Host, or a Host that is no {@code
 *       host[:port]} → 400;
 *   <li>a request target with a control character, space or non-ASCII byte, or in neither origin
 *       form ({@code /p}), absolute form ({@code http[s]://authority/p}) nor {@code *} (OPTIONS
 *       only) → 400; CONNECT's authority form is refused that way too;
 *   <li>absolute form: the upstream gets the path (origin form) and {@code Host} = the target's
 *       authority, which RFC 9112 3.2.2 says wins over a Host header; a target with userinfo → 400.
 *       Routing then sees that host, so only configured routes are reachable (no open proxy).
 * </ul>
 *
 * A refused head gets a failed {@link DecoderResult} whose cause is a {@link RequestRejection}; the
 * proxy answers it in order with the connection's other requests and closes the connection. The
 * codec already refuses (400) malformed or duplicate Content-Length, Content-Length together with
 * Transfer-Encoding, Transfer-Encoding in HTTP/1.0, bare LF/CR line ends, and invalid characters in
 * header names and values (see docs/limits.md).
 *
 * <p>Stateless: one instance serves every connection of a listener.
 */
@ChannelHandler.Sharable
public final class RequestValidator extends ChannelInboundHandlerAdapter {
  public static final String NAME = "request-validator";

  private final int maxHeaderCount;
  private final long maxBodySize;

  /**
   * @param maxHeaderCount header lines allowed in one head
   * @param maxBodySize largest Content-Length accepted; 0 = unlimited
   */
  public RequestValidator(int maxHeaderCount, long maxBodySize) {
    this.maxHeaderCount = maxHeaderCount;
    this.maxBodySize = maxBodySize;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
      RequestRejection rejection = check(request);
      if (rejection != null) {
        request.setDecoderResult(DecoderResult.failure(rejection));
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** Checks (and normalizes the target of) one head; {@code null} when it may be forwarded. */
  RequestRejection check(HttpRequest request) {
    HttpHeaders headers = request.headers();
    if (headers.size() > maxHeaderCount) {
      return new RequestRejection(
          ErrorKind.TOO_MANY_HEADERS, "more than " + maxHeaderCount + " header lines");
    }
    RequestRejection framing = checkFraming(headers);
    if (framing != null) {
      return framing;
    }
    List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
    boolean http11 = !request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    if (hosts.size() > 1 || (http11 && hosts.isEmpty())) {
      return bad(hosts.size() + " Host headers");
    }
    if (!hosts.isEmpty() && !HostSyntax.isValid(hosts.get(0), true)) {
      return bad("invalid Host");
    }
    return checkTarget(request);
  }

  private RequestRejection checkFraming(HttpHeaders headers) {
    List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (!codings.isEmpty()
        && (codings.size() != 1 || !"chunked".equalsIgnoreCase(codings.get(0).strip()))) {
      return bad("Transfer-Encoding other than chunked");
    }
    if (maxBodySize > 0) {
      String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
      // the HTTP/1.1 codec has already refused anything but one non-negative decimal number; on
      // an HTTP/2 stream Netty's h2 decoder checks it, and a bad one is refused here all the same
      long declared;
      try {
        declared = length == null ? -1 : Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        return bad("invalid Content-Length");
      }
      if (declared > maxBodySize) {
        return new RequestRejection(
            ErrorKind.BODY_TOO_LARGE, "Content-Length above " + maxBodySize);
      }
    }
    return null;
  }

  private static RequestRejection checkTarget(HttpRequest request) {
    String uri = request.uri();
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return bad("control, space or non-ASCII character in the request target");
      }
    }
    if (uri.startsWith("/")) {
      return null;
    }
    if (uri.equals("*")) {
      return HttpMethod.OPTIONS.equals(request.method()) ? null : bad("* target without OPTIONS");
    }
    int schemeEnd = uri.indexOf("://");
    String scheme = schemeEnd > 0 ? uri.substring(0, schemeEnd) : "";
    if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
      return bad("request target in neither origin nor absolute form");
    }
    int start = schemeEnd + 3;
    int end = start;
    while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
      end++;
    }
    String authority = uri.substring(start, end);
    if (authority.isEmpty() || !HostSyntax.isValid(authority, false)) {
      return bad("invalid authority in an absolute-form target");
    }
    String rest = uri.substring(end);
    request.setUri(rest.startsWith("/") ? rest : "/" + rest);
    request.headers().set(HttpHeaderNames.HOST, authority);
    return null;
  }

  private static RequestRejection bad(String reason) {
    return new RequestRejection(ErrorKind.BAD_REQUEST, reason);
  }
}

package dev.sluice.dataplane.policy.compress;

import dev.sluice.dataplane.snapshot.CompressionPolicy;
import io.netty.handler.codec.compression.Brotli;
import io.netty.handler.codec.compression.Zstd;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;

/**
 * Decides, from one response head and its request's {@code Accept-Encoding}, whether and how the
 * response is compressed, and rewrites the head accordingly. Stateless.
 *
 * <p>Never compressed: 1xx, 204, 206 (a range of the encoded body would be a different thing), 304;
 * a response that already has a {@code Content-Encoding} (even {@code identity}) or a {@code
 * Content-Range}; {@code Cache-Control: no-transform} (RFC 9110 §7.7); a type not in the policy; a
 * {@code Content-Length} under the minimum. Every response that passed the type and size checks
 * gets {@code Vary: Accept-Encoding}, compressed or not, so caches keep the variants apart.
 */
final class ContentNegotiation {
  static final AsciiString NO_TRANSFORM = AsciiString.cached("no-transform");
  private static final boolean BROTLI = available(true);
  private static final boolean ZSTD = available(false);

  private ContentNegotiation() {}

  /**
   * The encoding to apply, with the head already changed for it ({@code Content-Encoding} set,
   * {@code Content-Length} replaced by chunked framing, a strong {@code ETag} weakened), or {@code
   * null} to send the response as it is.
   */
  static String apply(CompressionPolicy p, String acceptEncoding, HttpResponse response) {
    int code = response.status().code();
    if (code < 200 || code == 204 || code == 206 || code == 304) {
      return null;
    }
    HttpHeaders h = response.headers();
    if (h.contains(HttpHeaderNames.CONTENT_ENCODING) || h.contains(HttpHeaderNames.CONTENT_RANGE)) {
      return null;
    }
    String cacheControl = h.get(HttpHeaderNames.CACHE_CONTROL);
    if (cacheControl != null && AsciiString.containsIgnoreCase(cacheControl, NO_TRANSFORM)) {
      return null;
    }
    String type = h.get(HttpHeaderNames.CONTENT_TYPE);
    if (type == null || !p.compresses(mediaType(type))) {
      return null;
    }
    String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) < Math.max(1, p.minLength())) {
          return null;
        }
      } catch (NumberFormatException e) {
        return null; // the codec checked it; leave anything odd alone
      }
    }
    addVary(h);
    String chosen = acceptEncoding == null ? null : choose(p.encodings(), acceptEncoding);
    if (chosen == null) {
      return null;
    }
    h.set(HttpHeaderNames.CONTENT_ENCODING, chosen);
    h.remove(HttpHeaderNames.CONTENT_LENGTH);
    h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    String etag = h.get(HttpHeaderNames.ETAG);
    if (etag != null && etag.startsWith("\"")) {
      h.set(HttpHeaderNames.ETAG, "W/" + etag); // the bytes differ from the upstream's entity
    }
    return chosen;
  }

  /** The media type of a {@code Content-Type} value: lower case, no parameters. */
  static String mediaType(String contentType) {
    int semi = contentType.indexOf(';');
    String t = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    return t.toLowerCase(Locale.ROOT);
  }

  private static void addVary(HttpHeaders h) {
    for (String v : h.getAll(HttpHeaderNames.VARY)) {
      if (AsciiString.containsIgnoreCase(v, HttpHeaderNames.ACCEPT_ENCODING) || v.trim().equals("*")) {
        return;
      }
    }
    h.add(HttpHeaderNames.VARY, HttpHeaderNames.ACCEPT_ENCODING);
  }

  /**
   * The offered encoding with the highest q-value in {@code acceptEncoding} (RFC 9110 §12.5.3:
   * {@code *} covers encodings not named, {@code q=0} refuses); ties go to the earlier one in
   * {@code offered}. {@code null} when the client accepts none of them.
   */
  static String choose(List<String> offered, String acceptEncoding) {
    float star = -1;
    float[] q = new float[offered.size()];
    java.util.Arrays.fill(q, -1);
    int start = 0;
    int len = acceptEncoding.length();
    while (start < len) {
      int comma = acceptEncoding.indexOf(',', start);
      int end = comma < 0 ? len : comma;
      String item = acceptEncoding.substring(start, end);
      start = end + 1;
      int semi = item.indexOf(';');
      String coding = (semi < 0 ? item : item.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
      if (coding.isEmpty()) {
        continue;
      }
      float weight = semi < 0 ? 1f : qValue(item.substring(semi + 1));
      if (coding.equals("x-gzip")) {
        coding = "gzip";
      }
      if (coding.equals("*")) {
        star = weight;
        continue;
      }
      int i = offered.indexOf(coding);
      if (i >= 0) {
        q[i] = Math.max(q[i], weight);
      }
    }
    String best = null;
    float bestQ = 0;
    for (int i = 0; i < q.length; i++) {
      float w = q[i] >= 0 ? q[i] : star;
      String e = offered.get(i);
      if (w > bestQ && usable(e)) {
        best = e;
        bestQ = w;
      }
    }
    return best;
  }

  /** The q parameter of {@code params} ({@code q=0.5}); 1 without one, 0 when malformed. */
  private static float qValue(String params) {
    for (String param : params.split(";")) {
      String s = param.trim();
      if (s.length() > 1 && (s.charAt(0) == 'q' || s.charAt(0) == 'Q') && s.charAt(1) == '=') {
        try {
          float f = Float.parseFloat(s.substring(2).trim());
          return f >= 0 && f <= 1 ? f : 0;
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 1;
  }

  /** Whether the native library behind an encoding loaded here (gzip is always there). */
  static boolean usable(String encoding) {
    return switch (encoding) {
      case "br" -> BROTLI;
      case "zstd" -> ZSTD;
      default -> true;
    };
  }

  private static boolean available(boolean brotli) {
    try {
      return brotli ? Brotli.isAvailable() : Zstd.isAvailable();
    } catch (Throwable t) { // the optional library is absent or its native part did not load
      return false;
    }
  }
}

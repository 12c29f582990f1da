package dev.sluice.dataplane.snapshot;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Response compression: which encodings, for which content types, from which size.
 *
 * <p>Parsed once by the translator; {@link #NONE} when the route does not compress. The data plane
 * applies it per response head ({@code dev.sluice.dataplane.policy.compress}).
 *
 * @param encodings the encodings offered, in the server's order of preference for equal client
 *     q-values: {@code br}, {@code zstd}, {@code gzip}; empty for {@link #NONE}
 * @param types media types to compress, lower case, without parameters; {@code text/*} style
 *     wildcards allowed
 * @param minLength responses with a smaller {@code Content-Length} are sent as they are (responses
 *     without a length, i.e. streamed, are compressed)
 */
public record CompressionPolicy(List<String> encodings, Set<String> types, long minLength) {
  public static final List<String> ENCODINGS = List.of("br", "zstd", "gzip");

  /** ingress-nginx's {@code gzip-types} default plus HTML and XML, which nginx always compresses. */
  public static final Set<String> DEFAULT_TYPES =
      Set.of(
          "application/atom+xml", "application/javascript", "application/x-javascript",
          "application/json", "application/ld+json", "application/manifest+json",
          "application/rss+xml", "application/vnd.ms-fontobject", "application/x-font-ttf",
          "application/x-web-app-manifest+json", "application/xhtml+xml", "application/xml",
          "font/opentype", "image/svg+xml", "image/x-icon", "text/css", "text/html",
          "text/javascript", "text/plain", "text/x-component", "text/xml");

  /** ingress-nginx's {@code gzip-min-length} default. */
  public static final long DEFAULT_MIN_LENGTH = 256;

  public static final CompressionPolicy NONE = new CompressionPolicy(List.of(), Set.of(), 0);

  public CompressionPolicy {
    encodings = List.copyOf(encodings);
    types = Set.copyOf(types);
    for (String e : encodings) {
      if (!ENCODINGS.contains(e)) {
        throw new IllegalArgumentException("unknown content encoding " + e + "; known: " + ENCODINGS);
      }
    }
    if (encodings.size() != Set.copyOf(encodings).size()) {
      throw new IllegalArgumentException("an encoding is listed twice: " + encodings);
    }
    for (String t : types) {
      int slash = t.indexOf('/');
      if (slash <= 0 || slash == t.length() - 1 || !t.equals(t.toLowerCase(Locale.ROOT))
          || t.indexOf(';') >= 0 || t.indexOf(' ') >= 0) {
        throw new IllegalArgumentException("not a lower-case media type: " + t);
      }
    }
    if (minLength < 0) {
      throw new IllegalArgumentException("negative minimum length: " + minLength);
    }
    if (encodings.isEmpty() && !types.isEmpty()) {
      throw new IllegalArgumentException("compression types given without an encoding");
    }
  }

  /** Whether the route does not compress (nothing to compile, nothing to show). */
  public boolean isNone() {
    return encodings.isEmpty();
  }

  /** Whether {@code mediaType} (lower case, no parameters) is one to compress. */
  public boolean compresses(String mediaType) {
    if (types.contains(mediaType)) {
      return true;
    }
    int slash = mediaType.indexOf('/');
    return slash > 0 && types.contains(mediaType.substring(0, slash + 1) + "*");
  }
}

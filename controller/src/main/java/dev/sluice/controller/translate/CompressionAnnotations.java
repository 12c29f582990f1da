package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.CompressionPolicy;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Response compression: {@code enable-compression} ({@code "true"}/{@code "false"}, default
 * false), {@code compression-encodings} (from {@code br}, {@code zstd}, {@code gzip}, in order of
 * preference), {@code compression-types} (media types, {@code text/*} wildcards allowed) and
 * {@code compression-min-length} (bytes). ingress-nginx sets these only globally, in its ConfigMap
 * ({@code use-gzip}, {@code enable-brotli}, {@code gzip-types}, {@code gzip-min-length}); Sluice
 * has them per Ingress, with the same defaults.
 */
final class CompressionAnnotations implements PolicyAnnotation {
  static final String ENABLE = "enable-compression";
  static final String ENCODINGS = "compression-encodings";
  static final String TYPES = "compression-types";
  static final String MIN_LENGTH = "compression-min-length";

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    boolean on = Booleans.read(a, ENABLE, false);
    String encodings = a.get(ENCODINGS);
    String types = a.get(TYPES);
    String minLength = a.get(MIN_LENGTH);
    if (!on) {
      for (String name : List.of(ENCODINGS, TYPES, MIN_LENGTH)) {
        if (a.has(name)) {
          throw a.invalid(name, "has no effect without " + a.key(ENABLE) + ": \"true\"");
        }
      }
      return;
    }
    List<String> enc = encodings == null ? CompressionPolicy.ENCODINGS : encodings(a, encodings);
    Set<String> mediaTypes = types == null ? CompressionPolicy.DEFAULT_TYPES : types(a, types);
    long min = minLength == null ? CompressionPolicy.DEFAULT_MIN_LENGTH : length(a, minLength);
    policy.compression(new CompressionPolicy(enc, mediaTypes, min));
  }

  private static List<String> encodings(IngressAnnotations a, String v) throws InvalidAnnotation {
    Set<String> out = new LinkedHashSet<>();
    for (String e : split(v)) {
      String s = e.toLowerCase(Locale.ROOT);
      if (!CompressionPolicy.ENCODINGS.contains(s)) {
        throw a.invalid(ENCODINGS, "\"" + e + "\" is not one of br, zstd, gzip");
      }
      if (!out.add(s)) {
        throw a.invalid(ENCODINGS, "\"" + e + "\" is listed twice");
      }
    }
    if (out.isEmpty()) {
      throw a.invalid(ENCODINGS, "is empty");
    }
    return new ArrayList<>(out);
  }

  private static Set<String> types(IngressAnnotations a, String v) throws InvalidAnnotation {
    Set<String> out = new LinkedHashSet<>();
    for (String t : split(v)) {
      String s = t.toLowerCase(Locale.ROOT);
      int slash = s.indexOf('/');
      boolean ok = slash > 0 && slash < s.length() - 1 && s.indexOf(';') < 0
          && s.indexOf('/', slash + 1) < 0 && (s.indexOf('*') < 0 || s.endsWith("/*") && slash == s.length() - 2)
          && !s.startsWith("*");
      if (!ok) {
        throw a.invalid(TYPES, "\"" + t + "\" is not a media type such as text/css or text/*");
      }
      out.add(s);
    }
    if (out.isEmpty()) {
      throw a.invalid(TYPES, "is empty");
    }
    return out;
  }

  private static long length(IngressAnnotations a, String v) throws InvalidAnnotation {
    try {
      long n = Long.parseLong(v.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw a.invalid(MIN_LENGTH, "must be a number of bytes, 0 or more");
  }

  /** Items separated by commas and/or blanks (ingress-nginx's gzip-types uses blanks). */
  private static List<String> split(String v) {
    List<String> out = new ArrayList<>();
    for (String s : v.split("[,\\s]+")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }
}

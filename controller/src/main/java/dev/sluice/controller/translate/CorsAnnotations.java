package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.CorsPolicy;
import dev.sluice.dataplane.snapshot.HeaderValues;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code enable-cors} and {@code cors-allow-origin}, {@code cors-allow-methods}, {@code
 * cors-allow-headers}, {@code cors-expose-headers}, {@code cors-allow-credentials}, {@code
 * cors-max-age} into {@link CorsPolicy}, with ingress-nginx's defaults. The {@code cors-*} values
 * without {@code enable-cors: "true"} are refused (they would do nothing).
 */
final class CorsAnnotations implements PolicyAnnotation {
  static final String ENABLE = "enable-cors";
  static final String ORIGIN = "cors-allow-origin";
  static final String METHODS = "cors-allow-methods";
  static final String HEADERS = "cors-allow-headers";
  static final String EXPOSE = "cors-expose-headers";
  static final String CREDENTIALS = "cors-allow-credentials";
  static final String MAX_AGE = "cors-max-age";
  private static final Pattern METHOD_LIST = Pattern.compile("[A-Za-z]+(\\s*,\\s*[A-Za-z]+)*");
  private static final Pattern HEADER_LIST =
      Pattern.compile("(\\*|[A-Za-z0-9_-]+)(\\s*,\\s*(\\*|[A-Za-z0-9_-]+))*");

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    boolean enabled = Booleans.read(a, ENABLE, false);
    String origins = a.get(ORIGIN);
    String methods = list(a, METHODS, METHOD_LIST);
    String headers = list(a, HEADERS, HEADER_LIST);
    String expose = list(a, EXPOSE, HEADER_LIST);
    Boolean credentials = Booleans.readOrNull(a, CREDENTIALS);
    String maxAge = a.get(MAX_AGE);
    if (!enabled) {
      for (String n : List.of(ORIGIN, METHODS, HEADERS, EXPOSE, CREDENTIALS, MAX_AGE)) {
        if (a.get(n) != null) {
          throw a.invalid(
              n, "has no effect without " + IngressAnnotations.PREFIX + ENABLE + ": \"true\"");
        }
      }
      return;
    }
    CorsPolicy d = CorsPolicy.defaults();
    policy.cors(
        new CorsPolicy(
            origins == null ? d.allowOrigins() : origins(a, origins),
            methods == null ? d.allowMethods() : methods,
            headers == null ? d.allowHeaders() : headers,
            expose == null ? d.exposeHeaders() : expose,
            credentials == null ? d.allowCredentials() : credentials,
            maxAge == null ? d.maxAge() : maxAge(a, maxAge)));
  }

  private static List<String> origins(IngressAnnotations a, String v) throws InvalidAnnotation {
    List<String> out = new ArrayList<>();
    for (String o : v.split("[,\\s]+")) {
      if (o.isEmpty()) {
        continue;
      }
      if (!o.equals("*") && !CorsPolicy.isOrigin(o)) {
        throw a.invalid(
            ORIGIN,
            "\""
                + o
                + "\" is not * nor an origin like https://example.org or https://*.example.org");
      }
      out.add(o);
    }
    if (out.isEmpty()) {
      throw a.invalid(ORIGIN, "names no origin");
    }
    return out;
  }

  private static String list(IngressAnnotations a, String name, Pattern syntax)
      throws InvalidAnnotation {
    String v = a.get(name);
    if (v == null) {
      return null;
    }
    v = v.strip();
    if (!syntax.matcher(v).matches() || !HeaderValues.isValidValue(v)) {
      throw a.invalid(name, "must be a comma-separated list of names");
    }
    return v;
  }

  private static Duration maxAge(IngressAnnotations a, String v) throws InvalidAnnotation {
    try {
      long s = Long.parseLong(v.trim());
      if (s < 0) {
        throw a.invalid(MAX_AGE, "must be seconds >= 0");
      }
      return Duration.ofSeconds(s);
    } catch (NumberFormatException e) {
      throw a.invalid(MAX_AGE, "must be seconds >= 0");
    }
  }
}

package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.HeaderPolicy;
import dev.sluice.dataplane.snapshot.HeaderPolicy.Header;
import dev.sluice.dataplane.snapshot.HeaderValues;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code request-headers-set}, {@code request-headers-add}, {@code request-headers-remove} and the
 * same three for {@code response-headers-*} into {@link HeaderPolicy}. Sluice's own names:
 * ingress-nginx does this with snippets, which Sluice refuses.
 *
 * <p>Syntax: {@code -set} and {@code -add} take one {@code Name: value} per line (a YAML block
 * scalar {@code |} reads well); {@code -remove} takes header names separated by commas or lines.
 * Blank lines are skipped. A name must be an HTTP token and not a connection-level header ({@link
 * HeaderValues#RESERVED}); a value must hold no control characters (no CR/LF: nothing can be
 * injected).
 */
final class HeaderAnnotations implements PolicyAnnotation {
  static final String[] NAMES = {
    "request-headers-remove", "request-headers-set", "request-headers-add",
    "response-headers-remove", "response-headers-set", "response-headers-add"
  };

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    HeaderPolicy p =
        new HeaderPolicy(
            names(a, NAMES[0]),
            lines(a, NAMES[1]),
            lines(a, NAMES[2]),
            names(a, NAMES[3]),
            lines(a, NAMES[4]),
            lines(a, NAMES[5]));
    if (!p.isNone()) {
      policy.headers(p);
    }
  }

  private static List<String> names(IngressAnnotations a, String name) throws InvalidAnnotation {
    String v = a.get(name);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    for (String n : v.split("[,\\n]")) {
      n = n.strip();
      if (!n.isEmpty()) {
        checkName(a, name, n);
        out.add(n);
      }
    }
    if (out.isEmpty()) {
      throw a.invalid(name, "names no header");
    }
    return out;
  }

  private static List<Header> lines(IngressAnnotations a, String name) throws InvalidAnnotation {
    String v = a.get(name);
    List<Header> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    for (String line : v.split("\\n")) {
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      if (line.isBlank()) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw a.invalid(name, "line \"" + line.strip() + "\" is not \"Name: value\"");
      }
      String n = line.substring(0, colon).strip();
      String value = line.substring(colon + 1).strip();
      checkName(a, name, n);
      if (!HeaderValues.isValidValue(value)) {
        throw a.invalid(name, "the value of " + n + " holds a control or non-ASCII character");
      }
      out.add(new Header(n, value));
    }
    if (out.isEmpty()) {
      throw a.invalid(name, "holds no \"Name: value\" line");
    }
    return out;
  }

  private static void checkName(IngressAnnotations a, String annotation, String n)
      throws InvalidAnnotation {
    if (!HeaderValues.isValidName(n)) {
      throw a.invalid(annotation, "\"" + n + "\" is not a header name");
    }
    if (HeaderValues.isReserved(n)) {
      throw a.invalid(
          annotation,
          n + " is a connection-level header that Sluice manages; it cannot be changed");
    }
  }
}

package dev.sluice.controller.translate;

import java.util.Locale;

/** The boolean values annotations accept, as ingress-nginx does: {@code "true"} and {@code "false"}. */
final class Booleans {
  private Booleans() {}

  /**
   * {@code name}'s value as a boolean, {@code absent} when not set.
   *
   * @throws InvalidAnnotation for anything but true/false (any case, surrounding blanks allowed)
   */
  static boolean read(IngressAnnotations a, String name, boolean absent, String... nginxNames)
      throws InvalidAnnotation {
    Boolean v = readOrNull(a, name, nginxNames);
    return v == null ? absent : v;
  }

  /** As {@link #read}, {@code null} when not set. */
  static Boolean readOrNull(IngressAnnotations a, String name, String... nginxNames)
      throws InvalidAnnotation {
    String v = a.get(name, nginxNames);
    if (v == null) {
      return null;
    }
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default -> throw a.invalid(name, "must be \"true\" or \"false\"");
    };
  }
}

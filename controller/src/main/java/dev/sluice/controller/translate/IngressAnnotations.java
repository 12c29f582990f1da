package dev.sluice.controller.translate;

import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The policy annotations of one Ingress as the parsers read them: by bare name ({@code
 * rewrite-target}), from {@code sluice.dev/} or, when {@link TranslatorSettings#nginxAnnotations()}
 * is on, from ingress-nginx's {@code nginx.ingress.kubernetes.io/} (Sluice's own wins when both are
 * set). Every key a parser asked for is remembered, so that the ones nobody read can be reported as
 * ignored ({@link IgnoredAnnotationsProcessor}) instead of being dropped silently.
 *
 * <p>One per Ingress per translation; confined to the translating thread.
 */
final class IngressAnnotations {
  static final String PREFIX = "sluice.dev/";
  static final String NGINX_PREFIX = "nginx.ingress.kubernetes.io/";

  private final Ingress ingress;
  private final TranslationContext ctx;
  private final Map<String, String> all; // sorted, so reports read stably
  private final boolean nginx;
  private final Set<String> read = new HashSet<>();
  private final Map<String, String> suppliedBy = new TreeMap<>();

  IngressAnnotations(Ingress ingress, TranslationContext ctx, boolean nginx) {
    this.ingress = ingress;
    this.ctx = ctx;
    Map<String, String> a =
        ingress.getMetadata() == null ? null : ingress.getMetadata().getAnnotations();
    this.all = a == null ? Map.of() : new TreeMap<>(a);
    this.nginx = nginx;
  }

  Ingress ingress() {
    return ingress;
  }

  TranslationContext context() {
    return ctx;
  }

  /**
   * The value of {@code sluice.dev/<name>}, else (when reading ingress-nginx's annotations is on)
   * of {@code nginx.ingress.kubernetes.io/<name>} or of the first of {@code nginxNames} that is set
   * (ingress-nginx's other spellings, e.g. {@code whitelist-source-range}); {@code null} when none
   * is set. Values are returned as written; parsers trim as their syntax allows.
   */
  String get(String name, String... nginxNames) {
    String own = PREFIX + name;
    read.add(own);
    if (nginx) { // when off, ingress-nginx's keys stay unread and are reported as ignored
      read.add(NGINX_PREFIX + name);
      for (String n : nginxNames) {
        read.add(NGINX_PREFIX + n);
      }
    }
    String v = all.get(own);
    if (v != null) {
      suppliedBy.put(name, own);
      return v;
    }
    if (!nginx) {
      return null;
    }
    String key = NGINX_PREFIX + name;
    v = all.get(key);
    for (int i = 0; v == null && i < nginxNames.length; i++) {
      key = NGINX_PREFIX + nginxNames[i];
      v = all.get(key);
    }
    if (v != null) {
      suppliedBy.put(name, key);
    }
    return v;
  }

  /** Whether {@link #get} finds a value for {@code name}. */
  boolean has(String name, String... nginxNames) {
    return get(name, nginxNames) != null;
  }

  /** The full key that supplied {@code name}'s value (for messages); {@code sluice.dev/<name>} if none. */
  String key(String name) {
    return suppliedBy.getOrDefault(name, PREFIX + name);
  }

  /**
   * A problem with {@code name}'s value, naming the key the value came from and the value:
   * {@code annotation sluice.dev/x: "v": why}. Throw it from a parser.
   */
  InvalidAnnotation invalid(String name, String why) {
    return invalid(name, ResourceProblem.Reason.InvalidSpec, why);
  }

  InvalidAnnotation invalid(String name, ResourceProblem.Reason reason, String why) {
    String key = key(name);
    return new InvalidAnnotation(
        reason, "annotation " + key + ": \"" + printable(all.get(key)) + "\": " + why);
  }

  /**
   * {@code value} as one line for messages (Events, logs): control characters as {@code \n},
   * {@code \r}, {@code \t} or {@code \xNN}, so a value cannot forge a log line; long values cut.
   */
  static String printable(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(Math.min(value.length(), 200) + 8);
    int i = 0;
    for (; i < value.length() && sb.length() < 200; i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\x%02x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return i < value.length() ? sb.append("...").toString() : sb.toString();
  }

  /** Keys with one of our two prefixes, in order. */
  List<String> policyKeys() {
    List<String> out = new ArrayList<>();
    for (String k : all.keySet()) {
      if (k.startsWith(PREFIX) || k.startsWith(NGINX_PREFIX)) {
        out.add(k);
      }
    }
    return out;
  }

  /** Keys with one of our two prefixes that no parser asked for. */
  List<String> unread() {
    List<String> out = new ArrayList<>();
    for (String k : policyKeys()) {
      if (!read.contains(k)) {
        out.add(k);
      }
    }
    return out;
  }

  boolean nginxEnabled() {
    return nginx;
  }

  /** The name after our prefix, or {@code null} for another key. */
  static String bareName(String key) {
    if (key.startsWith(PREFIX)) {
      return key.substring(PREFIX.length());
    }
    if (key.startsWith(NGINX_PREFIX)) {
      return key.substring(NGINX_PREFIX.length());
    }
    return null;
  }

  /** The value of a key as written (for messages). */
  String raw(String key) {
    return all.get(key);
  }
}

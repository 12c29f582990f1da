package dev.sluice.controller;

import java.util.Locale;
import java.util.Set;

/**
 * The route-policy flags, parsed apart from {@link Flags} (which accepts and skips them):
 * {@code --nginx-annotations true|false} turns on reading ingress-nginx's annotations ({@code
 * nginx.ingress.kubernetes.io/...}) for the policies Sluice implements, for users moving off it.
 */
public final class PolicyFlags {
  static final String NGINX_ANNOTATIONS = "--nginx-annotations";

  /** The flags, each taking a value. */
  static final Set<String> NAMES = Set.of(NGINX_ANNOTATIONS);

  static final String USAGE =
      """

      Route policies (docs/annotations.md):
        --nginx-annotations B   true: also read nginx.ingress.kubernetes.io/ annotations for the
                                policies Sluice implements (sluice.dev/ wins when both are set);
                                false (default): they are reported as ignored
      """;

  private PolicyFlags() {}

  /** Whether a command line that {@link Flags#parse} accepted turns on ingress-nginx's annotations. */
  public static boolean nginxAnnotations(String... args) throws Flags.UsageException {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      if (arg.startsWith(NGINX_ANNOTATIONS + "=")) {
        value = arg.substring(NGINX_ANNOTATIONS.length() + 1);
      } else if (arg.equals(NGINX_ANNOTATIONS) && i + 1 < args.length) {
        value = args[i + 1];
      }
      if (value != null) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
          case "true" -> true;
          case "false" -> false;
          default ->
              throw new Flags.UsageException(
                  NGINX_ANNOTATIONS + " must be true or false, not \"" + value + "\"");
        };
      }
    }
    return false;
  }
}

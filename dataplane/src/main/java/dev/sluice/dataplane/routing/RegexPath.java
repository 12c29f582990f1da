package dev.sluice.dataplane.routing;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * The path of a {@code use-regex} route as a regular expression: RE2 syntax (linear-time matching,
 * no catastrophic backtracking whatever the Ingress author writes), matched case-insensitively from
 * the start of the path and not necessarily to its end, as ingress-nginx's {@code location ~*
 * ^path} does. Group numbers are the author's: the anchor adds a non-capturing group only.
 *
 * <p>Stateless; compiled patterns are immutable and shared by all threads.
 */
public final class RegexPath {
  private RegexPath() {}

  /**
   * @throws IllegalArgumentException with RE2's description when {@code path} is no valid
   *     expression
   */
  public static Pattern compile(String path) {
    try {
      return Pattern.compile("^(?:" + path + ")", Pattern.CASE_INSENSITIVE);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "\"" + path + "\" is not a regular expression: " + e.getDescription(), e);
    }
  }
}

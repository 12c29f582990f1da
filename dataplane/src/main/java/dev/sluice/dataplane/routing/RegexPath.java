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
  /**
   * The most that the counted repetitions of one expression may multiply to. RE2J (unlike Go's RE2
   * since 2022) has no limit of its own: it expands {@code x{1000}} into 1000 copies, so nested
   * counts multiply ({@code ((a{1000}){1000}){1000}} is a billion instructions, an
   * OutOfMemoryError in the translator and again in every replica that reads the Ingress). Go's
   * limit is the same number.
   */
  public static final long MAX_REPETITION = 1000;

  private RegexPath() {}

  /**
   * The product of the upper bounds of every counted repetition ({@code {n}}, {@code {n,}} counts
   * as n, {@code {n,m}}) in {@code expr}, nested or not: a safe over-estimate of how much they can
   * multiply the compiled program (sequential ones only add, but counting them as a product keeps
   * the check a single pass). Escaped braces and braces that are no repetition are skipped.
   * Saturates at {@link Long#MAX_VALUE}.
   */
  static long countedRepetition(String expr) {
    long product = 1;
    boolean inClass = false;
    for (int i = 0; i < expr.length(); i++) {
      char c = expr.charAt(i);
      if (c == '\\') {
        i++; // an escaped character, whatever it is
        continue;
      }
      if (inClass) {
        inClass = c != ']';
        continue;
      }
      if (c == '[') {
        inClass = true;
        continue;
      }
      if (c != '{') {
        continue;
      }
      int close = expr.indexOf('}', i);
      if (close < 0) {
        break;
      }
      String body = expr.substring(i + 1, close);
      if (!body.matches("[0-9]{1,9}(,[0-9]{0,9})?")) {
        continue; // a literal brace
      }
      int comma = body.indexOf(',');
      String upper =
          comma < 0
              ? body // {n}
              : comma == body.length() - 1 ? body.substring(0, comma) : body.substring(comma + 1);
      long n = Math.max(1, Long.parseLong(upper));
      product = n > Long.MAX_VALUE / product ? Long.MAX_VALUE : product * n;
      i = close;
    }
    return product;
  }

  /**
   * @throws IllegalArgumentException with RE2's description when {@code path} is no valid
   *     expression
   */
  public static Pattern compile(String path) {
    long repeats = countedRepetition(path);
    if (repeats > MAX_REPETITION) {
      throw new IllegalArgumentException(
          "\"" + path + "\" repeats too much: its counted repetitions ({n}, {n,m}) multiply to "
              + (repeats == Long.MAX_VALUE ? "more than " + Long.MAX_VALUE : repeats)
              + ", at most " + MAX_REPETITION + " is allowed");
    }
    try {
      return Pattern.compile("^(?:" + path + ")", Pattern.CASE_INSENSITIVE);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          "\"" + path + "\" is not a regular expression: " + e.getDescription(), e);
    }
  }
}

package dev.sluice.controller.translate;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style duration strings as Kubernetes users write them: {@code 500ms}, {@code 5s}, {@code 1h30m}. */
public final class Durations {
  private static final Pattern WHOLE = Pattern.compile("([0-9]+(\\.[0-9]+)?(ms|s|m|h))+");
  private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

  /**
   * The longest duration accepted anywhere (timeouts, intervals): the data plane counts them in
   * nanoseconds, where 292 years overflow; nothing Sluice times needs more than a year.
   */
  public static final Duration MAX = Duration.ofDays(365);

  private Durations() {}

  /**
   * @throws IllegalArgumentException with a message fit for a user when {@code text} is not a
   *     positive duration in that grammar
   */
  public static Duration parse(String text) {
    if (text == null || !WHOLE.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not a duration like 500ms, 5s, 2m or 1h30m");
    }
    BigDecimal millis = BigDecimal.ZERO;
    Matcher m = PART.matcher(text);
    while (m.find()) {
      BigDecimal n = new BigDecimal(m.group(1));
      long unit =
          switch (m.group(2)) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            default -> 3_600_000;
          };
      millis = millis.add(n.multiply(BigDecimal.valueOf(unit)));
    }
    if (millis.signum() <= 0 || millis.compareTo(BigDecimal.valueOf(MAX.toMillis())) > 0) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not a positive duration of at most 365 days");
    }
    return Duration.ofMillis(millis.longValue());
  }
}

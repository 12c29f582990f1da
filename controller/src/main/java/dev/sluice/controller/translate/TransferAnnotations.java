package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.RoutePolicy;
import dev.sluice.dataplane.snapshot.TransferPolicy;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Timeouts and sizes: {@code proxy-connect-timeout} ({@link RoutePolicy#connectTimeout()}), {@code
 * proxy-read-timeout} (the wait for the response head, {@link RoutePolicy#responseHeaderTimeout()},
 * and between two reads of its body, {@link TransferPolicy#readTimeout()}), {@code
 * proxy-send-timeout}, {@code proxy-body-size} and {@code websocket-idle-timeout} ({@link
 * RoutePolicy#upgradedIdleTimeout()}).
 *
 * <p>Times are plain seconds as ingress-nginx writes them ({@code "60"}) or durations ({@code 30s},
 * {@code 2m}, {@code 1h30m}); sizes are nginx sizes: bytes, or a number with {@code k}, {@code m}
 * or {@code g} ({@code 8m}); {@code 0} means no route limit, as in nginx.
 */
final class TransferAnnotations implements PolicyAnnotation {
  static final String CONNECT = "proxy-connect-timeout";
  static final String READ = "proxy-read-timeout";
  static final String SEND = "proxy-send-timeout";
  static final String BODY_SIZE = "proxy-body-size";
  static final String WEBSOCKET_IDLE = "websocket-idle-timeout";
  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,9}");
  private static final Pattern SIZE = Pattern.compile("([0-9]{1,15})([kmg]?)");

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    Duration connect = time(a, CONNECT);
    Duration read = time(a, READ);
    Duration send = time(a, SEND);
    Duration ws = time(a, WEBSOCKET_IDLE);
    long size = size(a);
    if (connect != null) {
      policy.connectTimeout(connect);
    }
    if (read != null) {
      policy.responseHeaderTimeout(read);
    }
    if (ws != null) {
      policy.upgradedIdleTimeout(ws);
    }
    TransferPolicy t = new TransferPolicy(read, send, Math.max(size, 0));
    if (!t.isNone()) {
      policy.transfer(t);
    }
  }

  /** Plain seconds or a duration, positive; {@code null} when absent. */
  static Duration time(IngressAnnotations a, String name) throws InvalidAnnotation {
    String v = a.get(name);
    if (v == null) {
      return null;
    }
    v = v.trim();
    Duration d;
    if (SECONDS.matcher(v).matches()) {
      d = Duration.ofSeconds(Long.parseLong(v));
    } else {
      try {
        d = Durations.parse(v);
      } catch (IllegalArgumentException e) {
        throw a.invalid(
            name, "must be seconds (\"60\") or a duration (30s, 2m, 1h30m) of at most 365 days");
      }
    }
    if (d.isZero()) {
      throw a.invalid(name, "must be more than zero");
    }
    if (d.compareTo(Durations.MAX) > 0) {
      throw a.invalid(name, "must be at most 365 days");
    }
    return d;
  }

  /** Bytes, -1 when absent. */
  private static long size(IngressAnnotations a) throws InvalidAnnotation {
    String v = a.get(BODY_SIZE);
    if (v == null) {
      return -1;
    }
    Matcher m = SIZE.matcher(v.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw a.invalid(BODY_SIZE, "must be a size like 1048576, 512k, 8m or 1g (0: no limit)");
    }
    long n = Long.parseLong(m.group(1));
    long unit =
        switch (m.group(2)) {
          case "k" -> 1L << 10;
          case "m" -> 1L << 20;
          case "g" -> 1L << 30;
          default -> 1;
        };
    if (n > Long.MAX_VALUE / unit) {
      throw a.invalid(BODY_SIZE, "is too large");
    }
    return n * unit;
  }
}

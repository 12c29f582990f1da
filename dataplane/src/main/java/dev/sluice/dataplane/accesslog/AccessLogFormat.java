package dev.sluice.dataplane.accesslog;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Turns an {@link AccessEntry} into one line (without the line break). Runs on the writer thread
 * only; one {@link StringBuilder} per line.
 *
 * <p><b>Text</b> (the default) starts like the Apache/nginx "combined" format, so existing tools
 * read its first fields, then adds Sluice's own as {@code key="value"} pairs:
 *
 * <pre>
 * CLIENT - - [START] "METHOD URI PROTOCOL" STATUS BYTES_OUT "REFERER" "USER_AGENT" host="HOST"
 *     route="ROUTE" upstream="HOST:PORT" in=BYTES_IN rt=SECONDS urt=SECONDS
 * </pre>
 *
 * <p>START is when the request head arrived, {@code dd/MMM/yyyy:HH:mm:ss.SSS +0000} in UTC;
 * {@code rt} the request's duration and {@code urt} the upstream's, in seconds with millisecond
 * precision. A missing value is {@code -}; STATUS is {@code -} when the client got no response.
 * Inside quotes {@code "}, {@code \} and control characters are written as {@code \xHH} (as nginx
 * does). A passthrough connection logs {@code "TLS SNI"} as its request, {@code -} as its status
 * and every relayed byte in {@code in} and BYTES_OUT.
 *
 * <p><b>JSON</b>: one object per line with the fields {@code time} (ISO-8601 start), {@code kind}
 * ({@code http} | {@code tcp}), {@code client}, {@code host}, {@code method}, {@code uri}, {@code
 * protocol}, {@code route}, {@code upstream}, {@code status} (number, {@code null} when none),
 * {@code bytes_in}, {@code bytes_out}, {@code duration_ms}, {@code upstream_duration_ms} (numbers,
 * the latter {@code null} when no upstream was reached), {@code user_agent}, {@code referer}.
 * Absent strings are {@code null}.
 *
 * <p>Stateless and immutable.
 */
public final class AccessLogFormat {
  private static final DateTimeFormatter CLF =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss.SSS Z", Locale.ROOT)
          .withZone(ZoneOffset.UTC);
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private AccessLogFormat() {}

  /** The line of {@code e} in {@code format}. */
  public static String format(AccessEntry e, AccessLogSettings.Format format) {
    return format == AccessLogSettings.Format.JSON ? json(e) : text(e);
  }

  static long startMillis(AccessEntry e) {
    return e.endMillis() - e.durationNanos() / 1_000_000;
  }

  /** The combined-log-like text line. */
  public static String text(AccessEntry e) {
    StringBuilder b = new StringBuilder(192);
    b.append(orDash(e.client())).append(" - - [");
    CLF.formatTo(Instant.ofEpochMilli(startMillis(e)), b);
    b.append("] \"");
    if (AccessEntry.TCP.equals(e.kind())) {
      escape(b, e.protocol() == null ? "TLS" : e.protocol());
      b.append(' ');
      escape(b, orDash(e.host()));
    } else {
      escape(b, orDash(e.method()));
      b.append(' ');
      escape(b, orDash(e.uri()));
      b.append(' ');
      escape(b, orDash(e.protocol()));
    }
    b.append("\" ");
    if (e.status() > 0) {
      b.append(e.status());
    } else {
      b.append('-');
    }
    b.append(' ').append(e.bytesOut()).append(" \"");
    escape(b, orDash(e.referer()));
    b.append("\" \"");
    escape(b, orDash(e.userAgent()));
    b.append("\" host=\"");
    escape(b, orDash(e.host()));
    b.append("\" route=\"");
    escape(b, orDash(e.route()));
    b.append("\" upstream=\"");
    escape(b, orDash(e.upstream()));
    b.append("\" in=").append(e.bytesIn()).append(" rt=");
    seconds(b, e.durationNanos());
    b.append(" urt=");
    if (e.upstreamNanos() < 0) {
      b.append('-');
    } else {
      seconds(b, e.upstreamNanos());
    }
    return b.toString();
  }

  /** The JSON line. */
  public static String json(AccessEntry e) {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"time\":\"").append(Instant.ofEpochMilli(startMillis(e))).append('"');
    field(b, "kind", e.kind());
    field(b, "client", e.client());
    field(b, "host", e.host());
    field(b, "method", e.method());
    field(b, "uri", e.uri());
    field(b, "protocol", e.protocol());
    field(b, "route", e.route());
    field(b, "upstream", e.upstream());
    b.append(",\"status\":");
    if (e.status() > 0) {
      b.append(e.status());
    } else {
      b.append("null");
    }
    b.append(",\"bytes_in\":").append(e.bytesIn());
    b.append(",\"bytes_out\":").append(e.bytesOut());
    b.append(",\"duration_ms\":");
    millis(b, e.durationNanos());
    b.append(",\"upstream_duration_ms\":");
    if (e.upstreamNanos() < 0) {
      b.append("null");
    } else {
      millis(b, e.upstreamNanos());
    }
    field(b, "user_agent", e.userAgent());
    field(b, "referer", e.referer());
    return b.append('}').toString();
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  /** Seconds with three decimals, as nginx's {@code $request_time}. */
  private static void seconds(StringBuilder b, long nanos) {
    long ms = Math.max(0, nanos) / 1_000_000;
    b.append(ms / 1000).append('.');
    long frac = ms % 1000;
    if (frac < 100) {
      b.append('0');
    }
    if (frac < 10) {
      b.append('0');
    }
    b.append(frac);
  }

  /** Milliseconds with three decimals (microsecond precision). */
  private static void millis(StringBuilder b, long nanos) {
    long us = Math.max(0, nanos) / 1_000;
    b.append(us / 1000).append('.');
    long frac = us % 1000;
    if (frac < 100) {
      b.append('0');
    }
    if (frac < 10) {
      b.append('0');
    }
    b.append(frac);
  }

  private static void escape(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
        b.append("\\x").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
      } else {
        b.append(c);
      }
    }
  }

  private static void field(StringBuilder b, String name, String value) {
    b.append(",\"").append(name).append("\":");
    if (value == null) {
      b.append("null");
      return;
    }
    b.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append("\\u00").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}

package dev.sluice.controller;

import dev.sluice.dataplane.accesslog.AccessLogSettings;
import dev.sluice.dataplane.server.ServerSettings;
import java.util.Set;

/**
 * The {@code --access-log*} flags, parsed apart from {@link Flags} (which accepts and skips them,
 * then validates them here) into {@link AccessLogSettings}.
 */
public final class AccessLogFlags {
  static final String ACCESS_LOG = "--access-log";
  static final String FORMAT = "--access-log-format";
  static final String SAMPLE = "--access-log-sample";

  /** The flags, each taking a value. */
  static final Set<String> NAMES = Set.of(ACCESS_LOG, FORMAT, SAMPLE);

  static final String USAGE =
      """

      Access log (one line per request and per passthrough connection; README "Access log"):
        --access-log DEST       off (default), stdout, or a file path to append to
        --access-log-format F   text (combined-log-like, default) or json
        --access-log-sample R   share of requests and connections logged, 0..1 (default 1: all)
      """;

  private AccessLogFlags() {}

  /** The access-log settings of a command line that {@link Flags#parse} accepted. */
  public static AccessLogSettings parse(String... args) throws Flags.UsageException {
    String dest = null;
    String format = null;
    String sample = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (NAMES.contains(arg) && i + 1 < args.length) {
        value = args[++i];
      } else {
        continue;
      }
      switch (name) {
        case ACCESS_LOG -> dest = value;
        case FORMAT -> format = value;
        case SAMPLE -> sample = value;
        default -> {
          // not ours
        }
      }
    }
    if (dest == null && (format != null || sample != null)) {
      throw new Flags.UsageException(
          "--access-log-format and --access-log-sample need --access-log stdout|FILE");
    }
    if (dest == null) {
      return AccessLogSettings.off();
    }
    try {
      return AccessLogSettings.parse(dest, format, sample);
    } catch (IllegalArgumentException e) {
      throw new Flags.UsageException(e.getMessage());
    }
  }

  /** {@code flags}' listener settings with the access log {@code args} ask for. */
  static ServerSettings serverSettings(Flags flags, String[] args) {
    try {
      return flags.serverSettings().toBuilder().accessLog(parse(args)).build();
    } catch (Flags.UsageException e) {
      throw new IllegalStateException("Flags.parse accepted what AccessLogFlags refuses", e);
    }
  }
}

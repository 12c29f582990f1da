package dev.sluice.controller;

import dev.sluice.dataplane.http.TrustedProxies;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.Transport;
import dev.sluice.controller.translate.TranslatorSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The command line, parsed and validated once. Accepts {@code --flag value} and {@code --flag=value}.
 *
 * @param manifests standalone mode's folder; {@code null} when not given
 * @param help {@code --help} was given (everything else is then ignored)
 */
public record Flags(
    Path manifests,
    String bindAddress,
    int httpPort,
    int httpsPort,
    int adminPort,
    Transport transport,
    TrustedProxies trustedProxies,
    String ingressClass,
    boolean help) {

  public static final String USAGE =
      """
      Usage: sluice --manifests DIR [options]

        --manifests DIR         serve the Kubernetes manifests (*.yaml, *.yml, *.json) under DIR and
                                apply changes to them live (standalone mode; required for now)
        --bind ADDR             address to listen on (default 0.0.0.0)
        --http-port N           HTTP port (default 8080)
        --https-port N          HTTPS port (default 8443)
        --admin-port N          admin port: /metrics, /healthz, /readyz, /snapshot (default 9090)
        --transport T           auto | epoll | io_uring | nio (default auto: epoll where it loads)
        --trusted-proxies P     whose X-Forwarded-For to believe: false (nobody, the default),
                                a hop count N, or a comma-separated list of CIDRs
        --ingress-class NAME    class name matched against the kubernetes.io/ingress.class
                                annotation (default sluice)
        --help                  show this help
      """;

  /** A command line that cannot be run; the message says why in one line. */
  public static final class UsageException extends Exception {
    public UsageException(String message) {
      super(message);
    }
  }

  public static Flags parse(String... args) throws UsageException {
    Path manifests = null;
    String bind = ServerSettings.DEFAULT_BIND_ADDRESS;
    int http = ServerSettings.DEFAULT_HTTP_PORT;
    int https = ServerSettings.DEFAULT_HTTPS_PORT;
    int admin = ServerSettings.DEFAULT_ADMIN_PORT;
    Transport transport = Transport.AUTO;
    TrustedProxies trusted = TrustedProxies.none();
    String ingressClass = TranslatorSettings.DEFAULT_INGRESS_CLASS;
    List<String> seen = new ArrayList<>();

    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        return new Flags(null, bind, http, https, admin, transport, trusted, ingressClass, true);
      }
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument \"" + arg + "\"");
      }
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new UsageException(arg + " needs a value");
      }
      if (seen.contains(name)) {
        throw new UsageException(name + " given twice");
      }
      seen.add(name);
      switch (name) {
        case "--manifests" -> manifests = Path.of(nonEmpty(name, value));
        case "--bind" -> bind = nonEmpty(name, value);
        case "--http-port" -> http = port(name, value);
        case "--https-port" -> https = port(name, value);
        case "--admin-port" -> admin = port(name, value);
        case "--transport" -> transport = transport(value);
        case "--trusted-proxies" -> trusted = trustedProxies(value);
        case "--ingress-class" -> ingressClass = nonEmpty(name, value);
        default -> throw new UsageException("unknown flag " + name);
      }
    }
    // Port 0 ("any free port", for tests) may repeat; real ports may not.
    List<Integer> ports = new ArrayList<>();
    for (int p : new int[] {http, https, admin}) {
      if (p != 0 && ports.contains(p)) {
        throw new UsageException(
            "--http-port, --https-port and --admin-port must differ (" + http + ", " + https + ", "
                + admin + ")");
      }
      ports.add(p);
    }
    return new Flags(manifests, bind, http, https, admin, transport, trusted, ingressClass, false);
  }

  /** The listener settings these flags describe (defaults for everything without a flag). */
  public ServerSettings serverSettings() {
    return ServerSettings.builder()
        .bindAddress(bindAddress)
        .httpPort(httpPort)
        .httpsPort(httpsPort)
        .adminPort(adminPort)
        .transport(transport)
        .trustedProxies(trustedProxies)
        .build();
  }

  private static String nonEmpty(String name, String value) throws UsageException {
    if (value.isBlank()) {
      throw new UsageException(name + " needs a value");
    }
    return value;
  }

  private static int port(String name, String value) throws UsageException {
    try {
      int p = Integer.parseInt(value);
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new UsageException(name + " must be a port number 0..65535, not \"" + value + "\"");
  }

  private static Transport transport(String value) throws UsageException {
    try {
      return Transport.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "--transport must be auto, epoll, io_uring or nio, not \"" + value + "\"");
    }
  }

  private static TrustedProxies trustedProxies(String value) throws UsageException {
    try {
      return TrustedProxies.parse(value);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--trusted-proxies: " + e.getMessage());
    }
  }
}

package dev.sluice.controller;

import dev.sluice.controller.cluster.ClusterSettings;
import dev.sluice.controller.translate.Durations;
import dev.sluice.controller.translate.TranslatorSettings;
import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.http.TrustedProxies;
import dev.sluice.dataplane.proxyprotocol.ProxyProtocolSettings;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.Transport;
import dev.sluice.dataplane.tls.TlsSettings;
import dev.sluice.dataplane.tls.TlsVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The command line, parsed and validated once. Accepts {@code --flag value} and {@code --flag=value}.
 *
 * @param manifests standalone mode's folder; {@code null} when not given (cluster mode)
 * @param https TLS and PROXY protocol options of the listeners
 * @param cluster cluster mode's settings (defaults when not given; ignored in standalone mode)
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
    Https https,
    Cluster cluster,
    boolean help,
    LimitFlags limits) { // hardening: limits and timeouts (LimitFlags)

  /** Without limit flags: every limit at its default. */
  public Flags(Path manifests, String bindAddress, int httpPort, int httpsPort, int adminPort,
      Transport transport, TrustedProxies trustedProxies, String ingressClass, Https https,
      Cluster cluster, boolean help) {
    this(manifests, bindAddress, httpPort, httpsPort, adminPort, transport, trustedProxies,
        ingressClass, https, cluster, help, LimitFlags.defaults());
  }

  /**
   * TLS termination and PROXY protocol options.
   *
   * @param tlsMinVersion TLS 1.2 (default) or 1.3
   * @param tlsCiphers TLS 1.2 cipher suites, in preference order
   * @param defaultCertificate PEM certificate chain file, or {@code null} for a generated one
   * @param defaultKey PEM private key file matching {@code defaultCertificate}
   * @param proxyProtocol PROXY protocol required on both listeners, and from whom
   * @param tlsHandshakeTimeout ClientHello and TLS handshake time limit
   */
  public record Https(
      TlsVersion tlsMinVersion,
      List<String> tlsCiphers,
      Path defaultCertificate,
      Path defaultKey,
      ProxyProtocolSettings proxyProtocol,
      Duration tlsHandshakeTimeout) {
    static Https defaults() {
      return new Https(
          TlsSettings.DEFAULT_MINIMUM_VERSION,
          TlsSettings.DEFAULT_CIPHER_SUITES,
          null,
          null,
          ProxyProtocolSettings.disabled(),
          ServerSettings.DEFAULT_TLS_HANDSHAKE_TIMEOUT);
    }
  }

  /** Flags that take no value ({@code --proxy-protocol}, or {@code --proxy-protocol=false}). */
  private static final Set<String> SWITCHES = Set.of("--proxy-protocol");

  /**
   * The cluster-mode flags.
   *
   * @param kubeconfig {@code --kubeconfig}; {@code null}: in-cluster config or ~/.kube/config
   * @param watchNamespaces {@code --watch-namespace}; empty: all namespaces
   */
  public record Cluster(
      Path kubeconfig,
      Set<String> watchNamespaces,
      String publishService,
      String publishAddress,
      String controllerName,
      Duration debounce,
      String leaderElectionNamespace,
      String leaderElectionId) {
    public Cluster {
      watchNamespaces = Set.copyOf(watchNamespaces);
    }

    public static Cluster defaults() {
      return new Cluster(null, Set.of(), null, null, TranslatorSettings.CONTROLLER_NAME,
          dev.sluice.controller.Debouncer.DEFAULT_QUIET_PERIOD, null,
          ClusterSettings.DEFAULT_LEASE_NAME);
    }
  }

  /** Flags that only mean something in cluster mode. */
  private static final List<String> CLUSTER_FLAGS = List.of("--kubeconfig", "--watch-namespace",
      "--publish-service", "--publish-address", "--controller-name", "--debounce",
      "--leader-election-namespace", "--leader-election-id");

  /** A DNS-1123 label: namespace names, and the names given to --publish-service and the Lease. */
  private static final Pattern LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

  public static final String USAGE =
      """
      Usage: sluice --manifests DIR [options]     standalone: serve a folder of manifests
             sluice [cluster options] [options]   cluster: watch the Kubernetes API

        --manifests DIR         serve the Kubernetes manifests (*.yaml, *.yml, *.json) under DIR and
                                apply changes to them live (standalone mode)
        --bind ADDR             address to listen on (default 0.0.0.0)
        --http-port N           HTTP port (default 8080)
        --https-port N          HTTPS port (default 8443)
        --admin-port N          admin port: /metrics, /healthz, /readyz, /snapshot (default 9090)
        --transport T           auto | epoll | io_uring | nio (default auto: epoll where it loads)
        --trusted-proxies P     whose X-Forwarded-For to believe: false (nobody, the default),
                                a hop count N, or a comma-separated list of CIDRs
        --ingress-class NAME    class name matched against the kubernetes.io/ingress.class
                                annotation (default sluice)
        --tls-min-version V     oldest TLS version terminated: 1.2 (default) or 1.3
        --tls-ciphers LIST      TLS 1.2 cipher suites (IANA names, comma-separated) in preference
                                order (default: ECDHE with AES-GCM and CHACHA20-POLY1305)
        --default-certificate-file CRT,KEY
                                PEM certificate chain and private key served when no certificate
                                matches the SNI (default: a generated self-signed certificate)
        --tls-handshake-timeout D
                                time for a client to send its ClientHello and to finish the TLS
                                handshake, e.g. 10s, 500ms (default 10s)
        --proxy-protocol        require a PROXY protocol v1/v2 header on the HTTP and HTTPS ports
        --proxy-protocol-trusted CIDRS
                                comma-separated CIDRs allowed to send it (required with
                                --proxy-protocol); connections from anywhere else are closed
        --help                  show this help

      Cluster mode (without --manifests):
        --kubeconfig PATH       kubeconfig to use (default: in-cluster service account, then
                                $KUBECONFIG or ~/.kube/config)
        --watch-namespace NS    comma-separated namespaces to watch (default: all)
        --publish-service NS/N  copy this Service's load-balancer address to Ingress status
        --publish-address A     write this IP or host name to Ingress status instead
        --controller-name NAME  IngressClass spec.controller served (default
                                sluice.dev/ingress-controller)
        --debounce D            quiet period before a rebuild, e.g. 100ms (default 100ms)
        --leader-election-namespace NS
                                namespace of the leader Lease (default: the pod's namespace)
        --leader-election-id N  name of the leader Lease (default sluice-leader)

      """ + LimitFlags.USAGE + "\n" + AcmeFlags.USAGE + AccessLogFlags.USAGE + PolicyFlags.USAGE;

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
    Https tls = Https.defaults();
    TlsVersion minVersion = tls.tlsMinVersion();
    List<String> ciphers = tls.tlsCiphers();
    Path defaultCert = null;
    Path defaultKey = null;
    boolean proxyProtocol = false;
    List<String> proxyTrusted = List.of();
    Duration handshakeTimeout = tls.tlsHandshakeTimeout();
    Cluster d = Cluster.defaults();
    Path kubeconfig = d.kubeconfig();
    Set<String> namespaces = d.watchNamespaces();
    String publishService = d.publishService();
    String publishAddress = d.publishAddress();
    String controllerName = d.controllerName();
    Duration debounce = d.debounce();
    String leaseNamespace = d.leaderElectionNamespace();
    String leaseName = d.leaderElectionId();
    List<String> seen = new ArrayList<>();
    LimitFlags limits = LimitFlags.defaults(); // hardening

    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        return new Flags(
            null, bind, http, https, admin, transport, trusted, ingressClass, tls, d, true);
      }
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument \"" + arg + "\"");
      }
      if (arg.equals(AcmeFlags.STAGING)) {
        continue; // no value; read by AcmeFlags
      }
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else if (SWITCHES.contains(arg)) {
        value = "true";
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
        case "--tls-min-version" -> minVersion = tlsVersion(value);
        case "--tls-ciphers" -> ciphers = list(name, value);
        case "--default-certificate-file" -> {
          List<String> files = list(name, value);
          if (files.size() != 2) {
            throw new UsageException(name + " needs two files, CRT,KEY, not \"" + value + "\"");
          }
          defaultCert = Path.of(files.get(0));
          defaultKey = Path.of(files.get(1));
        }
        case "--tls-handshake-timeout" -> handshakeTimeout = duration(name, value);
        case "--proxy-protocol" -> proxyProtocol = bool(name, value);
        case "--proxy-protocol-trusted" -> proxyTrusted = list(name, value);
        case "--kubeconfig" -> kubeconfig = Path.of(nonEmpty(name, value));
        case "--watch-namespace" -> namespaces = namespaces(value);
        case "--publish-service" -> publishService = publishService(value);
        case "--publish-address" -> publishAddress = nonEmpty(name, value).strip();
        case "--controller-name" -> controllerName = nonEmpty(name, value);
        case "--debounce" -> debounce = debounce(value);
        case "--leader-election-namespace" -> leaseNamespace = label(name, value);
        case "--leader-election-id" -> leaseName = label(name, value);
        default -> {
          // ACME flags are parsed by AcmeFlags; the rest are limit flags, else unknown
          if (!AcmeFlags.NAMES.contains(name)
              && !AccessLogFlags.NAMES.contains(name)
              && !PolicyFlags.NAMES.contains(name)) {
            limits = limits.with(name, value);
          }
        }
      }
    }
    if (manifests != null) {
      for (String f : CLUSTER_FLAGS) {
        if (seen.contains(f)) {
          throw new UsageException(f + " is a cluster-mode flag; it cannot be used with --manifests");
        }
      }
    }
    AcmeFlags.parse(args); // validated here so a bad --acme-* flag is a usage error too
    AccessLogFlags.parse(args); // likewise --access-log*
    PolicyFlags.nginxAnnotations(args); // and --nginx-annotations
    if (publishService != null && publishAddress != null) {
      throw new UsageException("--publish-service and --publish-address exclude each other");
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
    if (!proxyProtocol && !proxyTrusted.isEmpty()) {
      throw new UsageException("--proxy-protocol-trusted needs --proxy-protocol");
    }
    ProxyProtocolSettings pp;
    try {
      pp = new ProxyProtocolSettings(proxyProtocol, proxyTrusted);
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          (proxyProtocol && proxyTrusted.isEmpty()
                  ? "--proxy-protocol needs --proxy-protocol-trusted CIDRS: "
                  : "--proxy-protocol-trusted: ")
              + e.getMessage());
    }
    tls = new Https(minVersion, ciphers, defaultCert, defaultKey, pp, handshakeTimeout);
    try {
      tlsSettings(tls); // validates the cipher names once, here
    } catch (IllegalArgumentException e) {
      throw new UsageException("--tls-ciphers: " + e.getMessage());
    }
    Cluster cluster = new Cluster(kubeconfig, namespaces, publishService, publishAddress,
        controllerName, debounce, leaseNamespace, leaseName);
    return new Flags(
        manifests, bind, http, https, admin, transport, trusted, ingressClass, tls, cluster, false,
        limits);
  }

  /**
   * How terminated TLS is configured: minimum version and ciphers from the flags, ALPN as the HTTPS
   * listener serves it ({@link SnapshotHolder#DEFAULT_TLS_SETTINGS}).
   */
  public TlsSettings tlsSettings() {
    return tlsSettings(https);
  }

  private static TlsSettings tlsSettings(Https h) {
    return SnapshotHolder.DEFAULT_TLS_SETTINGS.toBuilder()
        .minimumVersion(h.tlsMinVersion())
        .cipherSuites(h.tlsCiphers())
        .build();
  }

  /** Cluster mode's settings from these flags. */
  public ClusterSettings clusterSettings() {
    return clusterSettings(false);
  }

  /** Cluster mode's settings from these flags and {@link PolicyFlags#nginxAnnotations}. */
  public ClusterSettings clusterSettings(boolean nginxAnnotations) {
    return ClusterSettings.builder()
        .nginxAnnotations(nginxAnnotations)
        .kubeconfig(cluster.kubeconfig())
        .watchNamespaces(cluster.watchNamespaces())
        .publishService(cluster.publishService())
        .publishAddress(cluster.publishAddress())
        .ingressClass(ingressClass)
        .controllerName(cluster.controllerName())
        .debounce(cluster.debounce())
        .leaseNamespace(cluster.leaderElectionNamespace())
        .leaseName(cluster.leaderElectionId())
        .build();
  }

  private static Set<String> namespaces(String value) throws UsageException {
    Set<String> out = new LinkedHashSet<>();
    for (String ns : value.split(",")) {
      out.add(label("--watch-namespace", ns.strip()));
    }
    return out;
  }

  private static String label(String name, String value) throws UsageException {
    if (!LABEL.matcher(value).matches()) {
      throw new UsageException(name + ": \"" + value + "\" is not a valid Kubernetes name");
    }
    return value;
  }

  private static String publishService(String value) throws UsageException {
    String[] parts = value.split("/", -1);
    if (parts.length != 2) {
      throw new UsageException("--publish-service must be NAMESPACE/NAME, not \"" + value + "\"");
    }
    return label("--publish-service", parts[0]) + "/" + label("--publish-service", parts[1]);
  }

  private static Duration debounce(String value) throws UsageException {
    try {
      Duration d = Durations.parse(value);
      if (d.compareTo(Duration.ofSeconds(10)) <= 0) {
        return d;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new UsageException("--debounce must be a duration up to 10s such as 100ms, not \"" + value + "\"");
  }

  /** The listener settings these flags describe (defaults for everything without a flag). */
  public ServerSettings serverSettings() {
    return limits.applyTo(ServerSettings.builder()) // hardening
        .bindAddress(bindAddress)
        .httpPort(httpPort)
        .httpsPort(httpsPort)
        .adminPort(adminPort)
        .transport(transport)
        .trustedProxies(trustedProxies)
        .tlsHandshakeTimeout(https.tlsHandshakeTimeout())
        .proxyProtocol(https.proxyProtocol())
        .build();
  }

  private static String nonEmpty(String name, String value) throws UsageException {
    if (value.isBlank()) {
      throw new UsageException(name + " needs a value");
    }
    return value;
  }

  private static List<String> list(String name, String value) throws UsageException {
    List<String> items =
        Arrays.stream(value.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    if (items.isEmpty()) {
      throw new UsageException(name + " needs a comma-separated list");
    }
    return items;
  }

  private static TlsVersion tlsVersion(String value) throws UsageException {
    try {
      return TlsVersion.parse(value);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--tls-min-version must be 1.2 or 1.3, not \"" + value + "\"");
    }
  }

  private static Duration duration(String name, String value) throws UsageException {
    try {
      Duration d = Durations.parse(value.strip());
      if (!d.isZero() && !d.isNegative()) {
        return d;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new UsageException(name + " must be a positive duration like 10s or 500ms, not \"" + value + "\"");
  }

  private static boolean bool(String name, String value) throws UsageException {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new UsageException(name + " takes no value (or =true / =false)");
    };
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

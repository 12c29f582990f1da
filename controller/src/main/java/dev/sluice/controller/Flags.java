package dev.sluice.controller;

import dev.sluice.controller.cluster.ClusterSettings;
import dev.sluice.controller.translate.Durations;
import dev.sluice.dataplane.http.TrustedProxies;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.Transport;
import dev.sluice.controller.translate.TranslatorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The command line, parsed and validated once. Accepts {@code --flag value} and {@code --flag=value}.
 *
 * @param manifests standalone mode's folder; {@code null} when not given (cluster mode)
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
    Cluster cluster,
    boolean help) {

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
      """ + AcmeFlags.USAGE;

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

    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        return new Flags(null, bind, http, https, admin, transport, trusted, ingressClass, d, true);
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
        case "--kubeconfig" -> kubeconfig = Path.of(nonEmpty(name, value));
        case "--watch-namespace" -> namespaces = namespaces(value);
        case "--publish-service" -> publishService = publishService(value);
        case "--publish-address" -> publishAddress = nonEmpty(name, value).strip();
        case "--controller-name" -> controllerName = nonEmpty(name, value);
        case "--debounce" -> debounce = debounce(value);
        case "--leader-election-namespace" -> leaseNamespace = label(name, value);
        case "--leader-election-id" -> leaseName = label(name, value);
        default -> {
          if (!AcmeFlags.NAMES.contains(name)) {
            throw new UsageException("unknown flag " + name);
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
    Cluster cluster = new Cluster(kubeconfig, namespaces, publishService, publishAddress,
        controllerName, debounce, leaseNamespace, leaseName);
    return new Flags(manifests, bind, http, https, admin, transport, trusted, ingressClass, cluster,
        false);
  }

  /** Cluster mode's settings from these flags. */
  public ClusterSettings clusterSettings() {
    return ClusterSettings.builder()
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

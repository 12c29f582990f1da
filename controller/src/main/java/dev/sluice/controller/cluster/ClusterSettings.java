package dev.sluice.controller.cluster;

import dev.sluice.controller.Debouncer;
import dev.sluice.controller.translate.TranslatorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How the cluster controller runs. Built from the command line ({@code Flags.clusterSettings()}) or
 * by tests through {@link #builder()}.
 *
 * @param kubeconfig the kubeconfig file; {@code null} for fabric8's autoconfiguration (in-cluster
 *     service account, then {@code $KUBECONFIG} / {@code ~/.kube/config})
 * @param watchNamespaces namespaces to watch; empty means all
 * @param publishService {@code namespace/name} of the Service whose {@code status.loadBalancer} is
 *     copied to the Ingresses Sluice serves; {@code null} when not set
 * @param publishAddress an IP or host name written to those Ingresses instead; {@code null} when not
 *     set (at most one of the two is set)
 * @param debounce quiet period before a rebuild; {@code maxDelay} caps how long a steady stream of
 *     changes can postpone it
 * @param leaseNamespace namespace of the leader-election Lease; {@code null}: the client's namespace
 * @param identity this replica's name in the Lease (host name plus a random suffix by default)
 * @param exitOnStopLeading what to do when leadership is lost while running: exit the process
 *     (production; the restarted pod rejoins as a follower) or carry on as a follower (tests).
 *     Giving the Lease up in {@code ClusterController.close()} never exits.
 * @param nginxAnnotations read ingress-nginx's annotations too ({@code --nginx-annotations})
 */
public record ClusterSettings(
    Path kubeconfig,
    Set<String> watchNamespaces,
    String publishService,
    String publishAddress,
    String ingressClass,
    String controllerName,
    Duration debounce,
    Duration maxDelay,
    String leaseNamespace,
    String leaseName,
    String identity,
    Duration leaseDuration,
    Duration renewDeadline,
    Duration retryPeriod,
    boolean exitOnStopLeading,
    boolean nginxAnnotations) {

  public static final String DEFAULT_LEASE_NAME = "sluice-leader";

  public ClusterSettings {
    watchNamespaces = Set.copyOf(watchNamespaces);
    Objects.requireNonNull(ingressClass, "ingressClass");
    Objects.requireNonNull(controllerName, "controllerName");
    Objects.requireNonNull(debounce, "debounce");
    Objects.requireNonNull(maxDelay, "maxDelay");
    Objects.requireNonNull(leaseName, "leaseName");
    Objects.requireNonNull(identity, "identity");
    if (publishService != null && publishAddress != null) {
      throw new IllegalArgumentException("publishService and publishAddress are exclusive");
    }
    if (publishService != null && publishService.split("/", -1).length != 2) {
      throw new IllegalArgumentException("publishService must be namespace/name: " + publishService);
    }
  }

  public TranslatorSettings translatorSettings() {
    return TranslatorSettings.cluster(ingressClass)
        .withControllerName(controllerName)
        .withNginxAnnotations(nginxAnnotations);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults as the command line has them. */
  public static final class Builder {
    private Path kubeconfig;
    private Set<String> watchNamespaces = Set.of();
    private String publishService;
    private String publishAddress;
    private String ingressClass = TranslatorSettings.DEFAULT_INGRESS_CLASS;
    private String controllerName = TranslatorSettings.CONTROLLER_NAME;
    private Duration debounce = Debouncer.DEFAULT_QUIET_PERIOD;
    private Duration maxDelay = Debouncer.DEFAULT_MAX_DELAY;
    private String leaseNamespace;
    private String leaseName = DEFAULT_LEASE_NAME;
    private String identity = defaultIdentity();
    private Duration leaseDuration = Duration.ofSeconds(15);
    private Duration renewDeadline = Duration.ofSeconds(10);
    private Duration retryPeriod = Duration.ofSeconds(2);
    private boolean exitOnStopLeading = true;
    private boolean nginxAnnotations;

    public Builder kubeconfig(Path v) { kubeconfig = v; return this; }
    public Builder watchNamespaces(Set<String> v) { watchNamespaces = v; return this; }
    public Builder publishService(String v) { publishService = v; return this; }
    public Builder publishAddress(String v) { publishAddress = v; return this; }
    public Builder ingressClass(String v) { ingressClass = v; return this; }
    public Builder controllerName(String v) { controllerName = v; return this; }
    public Builder debounce(Duration v) { debounce = v; return this; }
    public Builder maxDelay(Duration v) { maxDelay = v; return this; }
    public Builder leaseNamespace(String v) { leaseNamespace = v; return this; }
    public Builder leaseName(String v) { leaseName = v; return this; }
    public Builder identity(String v) { identity = v; return this; }
    public Builder exitOnStopLeading(boolean v) { exitOnStopLeading = v; return this; }
    public Builder nginxAnnotations(boolean v) { nginxAnnotations = v; return this; }

    /** Lease timings (tests shorten them so a takeover happens within seconds). */
    public Builder leaseTimings(Duration duration, Duration renew, Duration retry) {
      leaseDuration = duration;
      renewDeadline = renew;
      retryPeriod = retry;
      return this;
    }

    public ClusterSettings build() {
      return new ClusterSettings(kubeconfig, watchNamespaces, publishService, publishAddress,
          ingressClass, controllerName, debounce, maxDelay, leaseNamespace, leaseName, identity,
          leaseDuration, renewDeadline, retryPeriod, exitOnStopLeading, nginxAnnotations);
    }

    private static String defaultIdentity() {
      String host = System.getenv("HOSTNAME");
      if (host == null || host.isBlank()) {
        host = "sluice";
      }
      return host + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    }
  }
}

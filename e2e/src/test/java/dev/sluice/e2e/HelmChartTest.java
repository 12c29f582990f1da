package dev.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart in {@code charts/sluice}, linted and rendered by the Helm library that helm-java
 * bundles (no helm binary, no cluster), and every rendered document parsed by fabric8 into its
 * typed model class with no field left over: a misspelt or misplaced key fails here.
 *
 * <p>The two renderings (defaults, every option on) are done once for the class; the native Helm
 * library loads once per JVM.
 */
class HelmChartTest {
  static final Path CHART = SluiceProcess.repo().resolve("charts/sluice");
  static final String NAMESPACE = "sluice-system";
  static final String KUBE_VERSION = "v1.31.0";
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** The kinds the chart may render and the fabric8 class each must parse into. */
  static final Map<String, Class<?>> TYPED =
      Map.ofEntries(
          Map.entry("Deployment", Deployment.class),
          Map.entry("DaemonSet", DaemonSet.class),
          Map.entry("Service", Service.class),
          Map.entry("ServiceAccount", ServiceAccount.class),
          Map.entry("IngressClass", IngressClass.class),
          Map.entry("ClusterRole", ClusterRole.class),
          Map.entry("ClusterRoleBinding", ClusterRoleBinding.class),
          Map.entry("Role", Role.class),
          Map.entry("RoleBinding", RoleBinding.class),
          Map.entry("PodDisruptionBudget", PodDisruptionBudget.class),
          Map.entry("CustomResourceDefinition", CustomResourceDefinition.class),
          // the Prometheus Operator's kind has no class in fabric8's core model
          Map.entry("ServiceMonitor", GenericKubernetesResource.class));

  /**
   * What the controller does with the API (list/watch what the snapshot is built from, write
   * status and Events), as group|resource|verb. Nothing else may be granted cluster-wide.
   */
  static final Set<String> CLUSTER_VERBS =
      Set.of(
          "|services|list", "|services|watch",
          "|secrets|list", "|secrets|watch",
          "networking.k8s.io|ingresses|list", "networking.k8s.io|ingresses|watch",
          "networking.k8s.io|ingressclasses|list", "networking.k8s.io|ingressclasses|watch",
          "discovery.k8s.io|endpointslices|list", "discovery.k8s.io|endpointslices|watch",
          "sluice.dev|tlspassthroughroutes|list", "sluice.dev|tlspassthroughroutes|watch",
          "networking.k8s.io|ingresses/status|patch", "networking.k8s.io|ingresses/status|update",
          "sluice.dev|tlspassthroughroutes/status|patch",
          "sluice.dev|tlspassthroughroutes/status|update",
          "|events|create", "|events|patch");

  /** Storing ACME certificates: only with acme.enabled. */
  static final Set<String> ACME_VERBS =
      Set.of("|secrets|get", "|secrets|create", "|secrets|update");

  /** Leader election in the release namespace; get/update limited to the Lease's name. */
  static final Set<String> LEASE_VERBS =
      Set.of(
          "coordination.k8s.io|leases|create",
          "coordination.k8s.io|leases|get|sluice-leader",
          "coordination.k8s.io|leases|update|sluice-leader");

  static List<HasMetadata> defaults;
  static List<HasMetadata> allOptions;

  @BeforeAll
  static void render() throws Exception {
    // `helm template` leaves crds/ out (helm install applies them before the templates), so the
    // CRD files join the rendered documents here to be parsed and checked the same way
    StringBuilder crds = new StringBuilder();
    try (var files = Files.list(CHART.resolve("crds"))) {
      for (Path f : files.sorted().toList()) {
        crds.append("---\n").append(Files.readString(f)).append('\n');
      }
    }
    defaults = parse(crds + template().call());
    Path values = Path.of(HelmChartTest.class.getResource("/helm/all-options.yaml").toURI());
    allOptions = parse(crds + template().withValuesFile(values).call());
  }

  static TemplateCommand template() {
    // helm-java renders for Kubernetes v1.20 unless told; the chart needs >= 1.25
    return new Helm(CHART).template().withName("edge").withNamespace(NAMESPACE)
        .withKubeVersion(KUBE_VERSION);
  }

  @Test
  void strictLintPasses() {
    LintResult lint = new Helm(CHART).lint().strict().call();
    assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.startsWith("[WARNING]") || m.startsWith("[ERROR]"));
  }

  @Test
  void everyRenderedDocumentIsItsTypedKubernetesClassWithNoUnknownField() {
    for (List<HasMetadata> docs : List.of(defaults, allOptions)) {
      for (HasMetadata doc : docs) {
        assertThat(TYPED).as("kind %s is expected", doc.getKind()).containsKey(doc.getKind());
        assertThat(doc).as(doc.getKind()).isExactlyInstanceOf(TYPED.get(doc.getKind()));
        if (!(doc instanceof GenericKubernetesResource)) {
          assertThat(ModelFields.unknown(doc)).as(doc.getKind() + " fields fabric8 does not know")
              .isEmpty();
        }
      }
    }
  }

  @Test
  void defaultsRenderADeploymentBehindALoadBalancer() {
    assertThat(kinds(defaults))
        .containsExactlyInAnyOrder(
            "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
            "Role", "RoleBinding", "Service", "Deployment", "IngressClass");
    Deployment deployment = one(defaults, Deployment.class);
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostNetwork()).isNull();
    assertThat(pod.getServiceAccountName()).isEqualTo("edge-sluice");

    Container c = pod.getContainers().getFirst();
    assertThat(c.getImage()).isEqualTo("ghcr.io/sluice-dev/sluice:" + releaseVersion());
    assertThat(c.getArgs())
        .containsExactly(
            "--http-port=8080", "--https-port=8443", "--admin-port=9090",
            "--ingress-class=sluice", "--controller-name=sluice.dev/ingress-controller",
            "--leader-election-namespace=" + NAMESPACE, "--leader-election-id=sluice-leader",
            "--publish-service=" + NAMESPACE + "/edge-sluice");
    assertThat(c.getPorts())
        .extracting(p -> p.getName() + ":" + p.getContainerPort())
        .containsExactly("http:8080", "https:8443", "admin:9090");

    Service lb = one(defaults, Service.class);
    assertThat(lb.getMetadata().getName()).isEqualTo("edge-sluice");
    assertThat(lb.getSpec().getType()).isEqualTo("LoadBalancer");
    assertThat(lb.getSpec().getExternalTrafficPolicy()).isEqualTo("Cluster");
    assertThat(lb.getSpec().getPorts())
        .extracting(p -> p.getName() + ":" + p.getPort() + "->" + p.getTargetPort().getStrVal())
        .containsExactly("http:80->http", "https:443->https");
    assertThat(lb.getSpec().getSelector())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());

    IngressClass cls = one(defaults, IngressClass.class);
    assertThat(cls.getMetadata().getName()).isEqualTo("sluice");
    assertThat(cls.getSpec().getController()).isEqualTo("sluice.dev/ingress-controller");
    assertThat(cls.getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void allOptionsRenderADaemonSetOnTheHostNetworkWithMonitoringAndBudget() {
    assertThat(kinds(allOptions))
        .containsExactlyInAnyOrder(
            "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
            "Role", "RoleBinding", "Service", "Service", "DaemonSet", "IngressClass",
            "PodDisruptionBudget", "ServiceMonitor");
    DaemonSet ds = one(allOptions, DaemonSet.class);
    PodSpec pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostNetwork()).isTrue();
    assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirstWithHostNet");
    assertThat(pod.getImagePullSecrets()).extracting(r -> r.getName()).containsExactly("regcred");
    assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
    Container c = pod.getContainers().getFirst();
    assertThat(c.getImage()).isEqualTo("registry.example.test/sluice:9.9.9");
    assertThat(c.getArgs())
        .contains(
            "--http-port=80", "--https-port=443", "--watch-namespace=apps",
            "--trusted-proxies=10.0.0.0/8", "--transport=epoll", "--tls-min-version=TLSv1.3",
            "--proxy-protocol=v2", "--access-log=json", "--nginx-annotations=true");
    // binding 80/443 as a non-root user needs exactly this one capability
    assertThat(c.getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_BIND_SERVICE");

    Service lb = named(allOptions, Service.class, "edge-sluice");
    assertThat(lb.getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
    assertThat(lb.getSpec().getPorts()).extracting(ServicePort::getNodePort).containsExactly(30080, 30443);
    assertThat(lb.getMetadata().getAnnotations())
        .containsEntry("service.beta.kubernetes.io/aws-load-balancer-type", "external");
    Service admin = named(allOptions, Service.class, "edge-sluice-admin");
    assertThat(admin.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(admin.getSpec().getPorts())
        .extracting(p -> p.getName() + ":" + p.getPort())
        .containsExactly("admin:9090");

    assertThat(one(allOptions, IngressClass.class).getMetadata().getAnnotations())
        .containsEntry("ingressclass.kubernetes.io/is-default-class", "true");
    PodDisruptionBudget pdb = one(allOptions, PodDisruptionBudget.class);
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getMinAvailable()).isNull();
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .isEqualTo(ds.getSpec().getSelector().getMatchLabels());

    GenericKubernetesResource monitor = one(allOptions, GenericKubernetesResource.class);
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Map<String, Object> endpoint =
        monitor.<List<Map<String, Object>>>get("spec", "endpoints").getFirst();
    assertThat(endpoint).containsEntry("port", "admin").containsEntry("path", "/metrics");
    Map<String, String> selected = monitor.get("spec", "selector", "matchLabels");
    assertThat(selected).containsEntry("sluice.dev/admin", "true");
    assertThat(admin.getMetadata().getLabels()).containsAllEntriesOf(selected);
    // the admin port never goes out through the load balancer
    assertThat(lb.getSpec().getPorts()).extracting(ServicePort::getName).doesNotContain("admin");
    assertThat(lb.getMetadata().getLabels()).doesNotContainKey("sluice.dev/admin");
  }

  @Test
  void pdbComesWithSeveralReplicasAndNotWithOne() throws Exception {
    assertThat(kinds(defaults)).doesNotContain("PodDisruptionBudget");
    List<HasMetadata> three = parse(template().set("replicaCount", 3).call());
    assertThat(one(three, Deployment.class).getSpec().getReplicas()).isEqualTo(3);
    assertThat(one(three, PodDisruptionBudget.class).getSpec().getMinAvailable().getIntVal())
        .isEqualTo(1);
  }

  @Test
  void everythingOptionalCanBeLeftOut() throws Exception {
    List<HasMetadata> bare =
        parse(template().set("service.enabled", false).set("ingressClass.create", false)
            .set("rbac.create", false).set("serviceAccount.create", false)
            .set("serviceAccount.name", "existing").call());
    assertThat(kinds(bare)).containsExactly("Deployment");
    PodSpec pod = one(bare, Deployment.class).getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("existing");
    // no Service of its own: nothing to publish
    assertThat(pod.getContainers().getFirst().getArgs()).noneMatch(a -> a.startsWith("--publish-service"));
  }

  @Test
  void clusterRoleGrantsExactlyTheVerbsTheControllerUses() {
    assertThat(grants(one(defaults, ClusterRole.class).getRules())).isEqualTo(new TreeSet<>(CLUSTER_VERBS));
    Set<String> withAcme = new TreeSet<>(CLUSTER_VERBS);
    withAcme.addAll(ACME_VERBS);
    assertThat(grants(one(allOptions, ClusterRole.class).getRules())).isEqualTo(withAcme);

    for (List<HasMetadata> docs : List.of(defaults, allOptions)) {
      Role role = one(docs, Role.class);
      assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
      assertThat(grants(role.getRules())).isEqualTo(new TreeSet<>(LEASE_VERBS));
      assertThat(one(docs, RoleBinding.class).getSubjects())
          .singleElement()
          .satisfies(s -> assertThat(s.getName() + "@" + s.getNamespace())
              .isEqualTo("edge-sluice@" + NAMESPACE));
      assertThat(one(docs, ClusterRoleBinding.class).getRoleRef().getName())
          .isEqualTo(one(docs, ClusterRole.class).getMetadata().getName());
    }
  }

  @Test
  void probesAndSecurityContextAsDocumented() {
    for (List<HasMetadata> docs : List.of(defaults, allOptions)) {
      PodSpec pod =
          docs.stream()
              .map(d -> d instanceof Deployment dep ? dep.getSpec().getTemplate().getSpec()
                  : d instanceof DaemonSet ds ? ds.getSpec().getTemplate().getSpec() : null)
              .filter(p -> p != null)
              .findFirst()
              .orElseThrow();
      Container c = pod.getContainers().getFirst();
      assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
      assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("admin");
      assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("admin");

      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
      SecurityContext sc = c.getSecurityContext();
      assertThat(sc.getRunAsNonRoot()).isTrue();
      assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
      assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
      assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/tmp");
      assertThat(pod.getVolumes()).singleElement().satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
    }
    // ports 8080/8443 need no capability at all
    Container byDefault = one(defaults, Deployment.class).getSpec().getTemplate().getSpec()
        .getContainers().getFirst();
    assertThat(byDefault.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
  }

  @Test
  void crdIsShippedWithTheChartAsInTheRepository() throws Exception {
    Path shipped = CHART.resolve("crds/tlspassthroughroutes.sluice.dev-v1.yml");
    assertThat(Files.mismatch(shipped, SluiceProcess.repo().resolve("crds/tlspassthroughroutes.sluice.dev-v1.yml")))
        .isEqualTo(-1L);
    assertThat(one(defaults, CustomResourceDefinition.class).getMetadata().getName())
        .isEqualTo("tlspassthroughroutes.sluice.dev");
  }

  @Test
  void schemaRejectsBadValues() {
    assertThatThrownBy(() -> template().set("kind", "StatefulSet").call())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("schema")
        .hasMessageContaining("/kind")
        .hasMessageContaining("Deployment");
    assertThatThrownBy(() -> template().set("service.externalTrafficPolicy", "Everywhere").call())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("/service/externalTrafficPolicy");
    assertThatThrownBy(() -> template().set("containerPorts.http", 70000).call())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("/containerPorts/http");
    assertThatThrownBy(() -> template().set("replicaCont", 2).call())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("replicaCont");
  }

  /** The Maven project version without -SNAPSHOT: the chart's appVersion and the image tag. */
  static String releaseVersion() {
    String version = System.getProperty("sluice.version");
    assertThat(version).as("sluice.version system property (set by e2e/pom.xml)").isNotBlank();
    return version.replace("-SNAPSHOT", "");
  }

  static List<HasMetadata> parse(String rendered) {
    List<HasMetadata> docs = new java.util.ArrayList<>();
    for (String doc : rendered.split("(?m)^---\\s*$")) {
      boolean empty = doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"));
      if (!empty) {
        docs.add(SERIALIZATION.unmarshal(doc));
      }
    }
    return docs;
  }

  static List<String> kinds(List<HasMetadata> docs) {
    return docs.stream().map(HasMetadata::getKind).toList();
  }

  static <T> T one(List<HasMetadata> docs, Class<T> type) {
    List<T> found = docs.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return found.getFirst();
  }

  static <T extends HasMetadata> T named(List<HasMetadata> docs, Class<T> type, String name) {
    return docs.stream()
        .filter(type::isInstance)
        .map(type::cast)
        .filter(d -> d.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }

  /** Each rule flattened to group|resource|verb[|resourceName]; wildcards fail. */
  static Set<String> grants(List<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule r : rules) {
      List<String> names = r.getResourceNames() == null || r.getResourceNames().isEmpty()
          ? List.of("") : r.getResourceNames();
      for (String g : r.getApiGroups()) {
        for (String res : r.getResources()) {
          for (String v : r.getVerbs()) {
            for (String n : names) {
              assertThat(List.of(g, res, v, n)).as("wildcard in %s", r).doesNotContain("*");
              out.add(g + "|" + res + "|" + v + (n.isEmpty() ? "" : "|" + n));
            }
          }
        }
      }
      assertThat(r.getNonResourceURLs()).as("non-resource URLs in %s", r).isNullOrEmpty();
    }
    return out;
  }
}

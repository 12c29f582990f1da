package dev.sluice.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.controller.standalone.ManifestParser;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRuleBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Huge and hostile objects next to a good one: each is refused whole with a problem naming the
 * limit, and the snapshot is exactly the one built without it (structural, not timed). Inputs are
 * generated here rather than committed as megabytes of YAML.
 */
class HostileObjectsTest {
  private static final Instant BUILT_AT = Instant.parse("2026-01-01T00:00:00Z");

  /** A served Ingress, its Service and endpoints (golden case 01). */
  private static List<HasMetadata> good() throws Exception {
    String yaml =
        Files.readString(Path.of("src/test/resources/translator/01-simple-host-path/in.yaml"));
    return new ManifestParser().parse("in.yaml", yaml, false).resources();
  }

  private static Translation translate(List<HasMetadata> objects) {
    return new SnapshotTranslator(TranslatorSettings.standalone("sluice"))
        .translate(ClusterState.of(objects), 1, BUILT_AT);
  }

  /** Translates good + hostile; asserts one problem with {@code reason} mentioning {@code text}. */
  private static void refused(HasMetadata hostile, Reason reason, String text) throws Exception {
    Translation clean = translate(good());
    List<HasMetadata> all = new ArrayList<>(good());
    all.add(hostile);
    Translation t = translate(all);
    assertThat(t.problems()).hasSize(1);
    ResourceProblem p = t.problems().get(0);
    assertThat(p.name()).isEqualTo(hostile.getMetadata().getName());
    assertThat(p.reason()).isEqualTo(reason);
    assertThat(p.message()).contains(text);
    // the limit is read back for sluice_controller_limit_rejected_resources{limit}
    if (reason == Reason.LimitExceeded) {
      assertThat(TranslatorLimits.exceeded(p)).hasValueSatisfying(
          name -> assertThat(p.message()).contains("(TranslatorLimits." + name + ")"));
    } else {
      assertThat(TranslatorLimits.exceeded(p)).isEmpty();
    }
    // the refused object contributes nothing; the good one is served as if it were alone
    assertThat(t.snapshot()).isEqualTo(clean.snapshot());
    assertThat(clean.snapshot().virtualHosts()).isNotEmpty();
  }

  private static HTTPIngressPath path(String p) {
    return new HTTPIngressPathBuilder()
        .withPath(p)
        .withPathType("Prefix")
        .withNewBackend()
        .withNewService()
        .withName("web")
        .withNewPort()
        .withNumber(80)
        .endPort()
        .endService()
        .endBackend()
        .build();
  }

  private static Ingress ingress(String name, Consumer<IngressBuilder> spec) {
    IngressBuilder b = new IngressBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata();
    spec.accept(b);
    return b.build();
  }

  private static IngressRule rule(String host, List<HTTPIngressPath> paths) {
    return new IngressRuleBuilder().withHost(host).withNewHttp().withPaths(paths).endHttp().build();
  }

  @Test
  void tenThousandPaths() throws Exception {
    List<HTTPIngressPath> paths = IntStream.range(0, 10_000).mapToObj(i -> path("/p" + i)).toList();
    refused(
        ingress("many-paths", b -> b.withNewSpec().withRules(rule("big.example.org", paths)).endSpec()),
        Reason.LimitExceeded,
        "is 10000, over the limit of 1000 (TranslatorLimits.MAX_PATHS_PER_INGRESS)");
  }

  @Test
  void pathsSpreadOverManyRules() throws Exception {
    List<IngressRule> rules =
        IntStream.range(0, 100)
            .mapToObj(r -> rule("h" + r + ".example.org",
                IntStream.range(0, 20).mapToObj(i -> path("/p" + i)).toList()))
            .toList();
    refused(
        ingress("spread", b -> b.withNewSpec().withRules(rules).endSpec()),
        Reason.LimitExceeded,
        "TranslatorLimits.MAX_PATHS_PER_INGRESS");
  }

  @Test
  void tooManyRules() throws Exception {
    List<IngressRule> rules =
        IntStream.range(0, 1_001).mapToObj(r -> rule("h" + r + ".example.org", List.of(path("/")))).toList();
    refused(
        ingress("many-rules", b -> b.withNewSpec().withRules(rules).endSpec()),
        Reason.LimitExceeded,
        "TranslatorLimits.MAX_RULES_PER_INGRESS");
  }

  @Test
  void oneMebibyteAnnotation() throws Exception {
    Ingress ing =
        ingress("big-annotation", b -> b.withNewSpec().withRules(rule("other.example.org", List.of(path("/")))).endSpec());
    ing.getMetadata().setAnnotations(Map.of("example.org/blob", "x".repeat(1 << 20)));
    refused(ing, Reason.LimitExceeded, "over the limit of 262144 (TranslatorLimits.MAX_ANNOTATIONS_BYTES)");
  }

  @Test
  void annotationsAtTheApiServerLimitAreServed() throws Exception {
    Ingress ing =
        ingress("fits", b -> b.withNewSpec().withRules(rule("other.example.org", List.of(path("/")))).endSpec());
    String key = "example.org/blob";
    ing.getMetadata().setAnnotations(Map.of(key, "x".repeat(TranslatorLimits.MAX_ANNOTATIONS_BYTES - key.length())));
    List<HasMetadata> all = new ArrayList<>(good());
    all.add(ing);
    Translation t = translate(all);
    assertThat(t.problems()).isEmpty();
    assertThat(t.snapshot().virtualHosts()).extracting(v -> v.hostname()).contains("other.example.org");
  }

  @Test
  void hostLongerThan253() throws Exception {
    String host = ("a".repeat(63) + ".").repeat(4) + "org"; // 259 characters, labels fine
    refused(
        ingress("long-host", b -> b.withNewSpec().withRules(rule(host, List.of(path("/")))).endSpec()),
        Reason.LimitExceeded,
        "is 259, over the limit of 253 (TranslatorLimits.MAX_HOST_LENGTH)");
  }

  @Test
  void megabyteHostCostsOneLengthCheck() throws Exception {
    // shaped to make a backtracking regex slow; refused on its length before any pattern runs
    String host = "a-".repeat(1 << 19) + "!";
    refused(
        ingress("huge-host", b -> b.withNewSpec().withRules(rule(host, List.of(path("/")))).endSpec()),
        Reason.LimitExceeded,
        "TranslatorLimits.MAX_HOST_LENGTH");
  }

  @Test
  void hostWithInvalidCharacters() throws Exception {
    refused(
        ingress("bad-host", b -> b.withNewSpec().withRules(rule("evil host\r\n.example.org", List.of(path("/")))).endSpec()),
        Reason.InvalidSpec,
        "is not a DNS name or a *. wildcard");
  }

  @Test
  void pathLongerThan4KiB() throws Exception {
    refused(
        ingress("long-path", b -> b.withNewSpec().withRules(rule("other.example.org", List.of(path("/" + "a".repeat(5000))))).endSpec()),
        Reason.LimitExceeded,
        "is 5001, over the limit of 4096 (TranslatorLimits.MAX_PATH_LENGTH)");
  }

  @Test
  void pathWithControlCharacter() throws Exception {
    refused(
        ingress("ctl-path", b -> b.withNewSpec().withRules(rule("other.example.org", List.of(path("/a\u0000b")))).endSpec()),
        Reason.InvalidSpec,
        "has character U+0000 at 2");
  }

  @Test
  void tenThousandPassthroughHostnames() throws Exception {
    TLSPassthroughRoute r = new TLSPassthroughRoute();
    r.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("many-sni").withNamespace("default").build());
    var spec = new dev.sluice.controller.crd.TLSPassthroughRouteSpec();
    spec.setHostnames(IntStream.range(0, 10_000).mapToObj(i -> "h" + i + ".example.org").toList());
    var backend = new dev.sluice.controller.crd.PassthroughBackend();
    backend.setService("web");
    backend.setPort(new io.fabric8.kubernetes.api.model.IntOrString(80));
    spec.setBackends(List.of(backend));
    r.setSpec(spec);
    refused(r, Reason.LimitExceeded, "is 10000, over the limit of 16 (TranslatorLimits.MAX_HOSTNAMES_PER_ROUTE)");
  }

  @Test
  void hostNameCheck() {
    assertThat(TranslatorLimits.isHostName("a.example.org")).isTrue();
    assertThat(TranslatorLimits.isHostName("*.Example.org")).isTrue();
    assertThat(TranslatorLimits.isHostName("x")).isTrue();
    assertThat(TranslatorLimits.isHostName("a".repeat(63) + ".org")).isTrue();
    assertThat(TranslatorLimits.isHostName("a".repeat(64) + ".org")).isFalse();
    assertThat(TranslatorLimits.isHostName("-a.org")).isFalse();
    assertThat(TranslatorLimits.isHostName("a-.org")).isFalse();
    assertThat(TranslatorLimits.isHostName("a..org")).isFalse();
    assertThat(TranslatorLimits.isHostName("a.org.")).isFalse();
    assertThat(TranslatorLimits.isHostName("*")).isFalse();
    assertThat(TranslatorLimits.isHostName("*.")).isFalse();
    assertThat(TranslatorLimits.isHostName("a.*.org")).isFalse();
    assertThat(TranslatorLimits.isHostName("a_b.org")).isFalse();
    assertThat(TranslatorLimits.isHostName("é.org")).isFalse();
    assertThat(TranslatorLimits.isHostName("")).isFalse();
  }
}

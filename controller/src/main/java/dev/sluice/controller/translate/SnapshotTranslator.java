package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.VirtualHost;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Kubernetes objects in, one {@link Snapshot} out: the one translator both the cluster controller
 * and the standalone manifest folder use. An ordered list of small {@link Processor}s, each for one
 * kind of input; none throws on user input, so one bad resource is reported and left out while
 * everything else is served.
 *
 * <p>Not thread-safe: keeps a cache of certificate validations between calls. Call {@link
 * #translate} from one thread at a time (the rebuild thread).
 */
public final class SnapshotTranslator {
  private final TranslatorSettings settings;
  private final List<Processor> processors;
  private final AcmeSource acme;

  public SnapshotTranslator(TranslatorSettings settings) {
    this(settings, AcmeSource.NONE);
  }

  /** @param acme challenges, issued certificates and order failures from the ACME manager */
  public SnapshotTranslator(TranslatorSettings settings, AcmeSource acme) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.acme = Objects.requireNonNull(acme, "acme");
    // Order matters: objects over the TranslatorLimits are dropped before anyone reads them;
    // Ingresses with invalid annotations are dropped before anything of them is
    // used; passthrough hosts are claimed before certificates drop them; rules come
    // before default backends so an explicit catch-all "/" rule wins.
    this.processors =
        List.of(
            new IngressClassFilter(),
            new LimitsProcessor(),
            new UpstreamTlsProcessor(),
            new PolicyProcessor(),
            new PassthroughRouteProcessor(),
            new AcmeProcessor(),
            new TlsCertificateProcessor(),
            new IngressRuleProcessor(),
            new DefaultBackendProcessor(),
            new IgnoredAnnotationsProcessor());
  }

  public TranslatorSettings settings() {
    return settings;
  }

  /**
   * @param version the snapshot's version (the caller counts)
   * @param builtAt stamped on the snapshot (tests fix it)
   */
  public Translation translate(ClusterState state, long version, Instant builtAt) {
    TranslationContext ctx = new TranslationContext(settings, state, acme);
    for (Processor p : processors) {
      p.process(ctx);
    }
    List<VirtualHost> hosts = new ArrayList<>();
    for (Map.Entry<String, List<dev.sluice.dataplane.snapshot.HttpRoute>> e :
        ctx.virtualHosts.entrySet()) {
      hosts.add(new VirtualHost(e.getKey(), e.getValue()));
    }
    Snapshot snapshot =
        new Snapshot(version, builtAt, hosts, ctx.passthrough, ctx.certificates, ctx.acmeChallenges);
    return new Translation(snapshot, ctx.problems, List.copyOf(ctx.acmeDemands.values()));
  }

  public Translation translate(ClusterState state, long version) {
    return translate(state, version, Instant.now());
  }
}

package dev.sluice.controller.cluster;

import dev.sluice.controller.translate.ResourceProblem;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one core/v1 Event (type Warning, reason = the problem's reason, the message in one line)
 * per distinct problem of a resource, so {@code kubectl describe} says why it is not served.
 *
 * <p>Emitted once, not on every rebuild: problems already reported by this replica are remembered
 * (by uid, reason and message), and the Event's name is derived from the same key, so a new leader
 * re-reporting a problem its predecessor already reported gets 409 Conflict and moves on.
 *
 * <p>Thread-safe: called from JOSDK's reconciler threads.
 */
final class ProblemEvents {
  private static final Logger log = LoggerFactory.getLogger(ProblemEvents.class);
  private static final int MAX_REMEMBERED = 100_000;

  private final KubernetesClient client;
  private final String component;
  private final String instance;
  private final Set<String> emitted = ConcurrentHashMap.newKeySet();

  ProblemEvents(KubernetesClient client, String component, String instance) {
    this.client = client;
    this.component = component;
    this.instance = instance;
  }

  /** Reports every problem of {@code resource} not reported before (class mismatches excluded). */
  void report(HasMetadata resource, Iterable<ResourceProblem> problems) {
    for (ResourceProblem p : problems) {
      if (p.reason() != Reason.IngressClassMismatch) {
        report(resource, p);
      }
    }
  }

  private void report(HasMetadata resource, ResourceProblem p) {
    String uid = resource.getMetadata().getUid();
    String key = p.kind() + "/" + p.namespace() + "/" + p.name() + "/" + uid + "/" + p.reason()
        + "/" + p.message();
    if (emitted.contains(key)) {
      return;
    }
    if (emitted.size() > MAX_REMEMBERED) {
      emitted.clear(); // bounded memory; the deterministic name still prevents duplicates
    }
    String now = Instant.now().toString();
    Event event = new EventBuilder()
        .withNewMetadata()
        .withNamespace(p.namespace())
        .withName(p.name() + "." + hash(key))
        .endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(resource.getApiVersion())
        .withKind(resource.getKind())
        .withNamespace(p.namespace())
        .withName(p.name())
        .withUid(uid)
        .withResourceVersion(resource.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType("Warning")
        .withReason(p.reason().name())
        .withMessage(oneLine(p.message()))
        .withNewSource().withComponent(component).endSource()
        .withReportingComponent(component)
        .withReportingInstance(instance)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .build();
    try {
      client.v1().events().inNamespace(p.namespace()).resource(event).create();
      emitted.add(key);
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        emitted.add(key); // already reported (by this replica before a restart, or a former leader)
      } else {
        // Not remembered: the next reconcile of this resource tries again.
        log.warn("cannot record Event {} on {}: {}", p.reason(), p, e.getMessage());
      }
    }
  }

  private static String oneLine(String s) {
    String line = s.replaceAll("\\s+", " ").strip();
    return line.length() <= 1024 ? line : line.substring(0, 1021) + "...";
  }

  private static String hash(String key) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}

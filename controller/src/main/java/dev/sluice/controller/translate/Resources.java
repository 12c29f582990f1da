package dev.sluice.controller.translate;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.Map;

/** Null-safe metadata access and the one ordering every conflict rule uses. */
final class Resources {
  static final String DEFAULT_NAMESPACE = "default";
  static final String UNNAMED = "<unnamed>";

  /**
   * Oldest first by {@code creationTimestamp}, then namespace/name. Objects without a timestamp (as
   * in hand-written manifests) count as newest, so they never take a host from a cluster object.
   */
  static final Comparator<HasMetadata> OLDEST_FIRST =
      Comparator.comparing(Resources::created, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(Resources::namespace)
          .thenComparing(Resources::name);

  private Resources() {}

  static String namespace(HasMetadata o) {
    ObjectMeta m = o.getMetadata();
    String ns = m == null ? null : m.getNamespace();
    return ns == null || ns.isEmpty() ? DEFAULT_NAMESPACE : ns;
  }

  static String name(HasMetadata o) {
    ObjectMeta m = o.getMetadata();
    String n = m == null ? null : m.getName();
    return n == null || n.isEmpty() ? UNNAMED : n;
  }

  static boolean hasName(HasMetadata o) {
    return !UNNAMED.equals(name(o));
  }

  static String key(HasMetadata o) {
    return namespace(o) + "/" + name(o);
  }

  static String annotation(HasMetadata o, String key) {
    ObjectMeta m = o.getMetadata();
    Map<String, String> a = m == null ? null : m.getAnnotations();
    return a == null ? null : a.get(key);
  }

  static String label(HasMetadata o, String key) {
    ObjectMeta m = o.getMetadata();
    Map<String, String> l = m == null ? null : m.getLabels();
    return l == null ? null : l.get(key);
  }

  static Instant created(HasMetadata o) {
    ObjectMeta m = o.getMetadata();
    String ts = m == null ? null : m.getCreationTimestamp();
    if (ts == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(ts).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}

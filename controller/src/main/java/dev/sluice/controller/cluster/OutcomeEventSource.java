package dev.sluice.controller.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.EventHandler;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A JOSDK event source whose "secondary resource" is the translator's {@link Outcome} for the
 * primary. After each rebuild {@link #update} diffs the new outcomes against the previous ones and
 * triggers a reconciliation for exactly the primaries whose outcome changed: a Service appearing,
 * a conflicting route being deleted or the load-balancer address changing reaches the right
 * Ingresses and routes through this map lookup, not by scanning every primary on every change.
 *
 * <p>Threading: {@link #update} is called on the rebuild thread; {@link #getSecondaryResources} on
 * JOSDK's reconciler threads. The current map is published through a volatile field.
 */
final class OutcomeEventSource<P extends HasMetadata> extends AbstractEventSource<Outcome, P> {
  private volatile Map<ResourceID, Outcome> current = Map.of();

  OutcomeEventSource(String name) {
    super(Outcome.class, name);
  }

  /** Publishes new outcomes and triggers the primaries whose outcome changed. */
  void update(Map<ResourceID, Outcome> next) {
    Map<ResourceID, Outcome> previous = current;
    current = next;
    Set<ResourceID> changed = new HashSet<>();
    for (Map.Entry<ResourceID, Outcome> e : next.entrySet()) {
      if (!Objects.equals(previous.get(e.getKey()), e.getValue())) {
        changed.add(e.getKey());
      }
    }
    // Primaries that vanished from the book were deleted: nothing to write for them.
    EventHandler handler = getEventHandler();
    if (handler == null || !isRunning()) {
      return; // not registered yet; JOSDK reconciles every primary when it starts anyway
    }
    for (ResourceID id : changed) {
      handler.handleEvent(new Event(id));
    }
  }

  /** The outcome for {@code id} in the latest translation. */
  Optional<Outcome> outcome(ResourceID id) {
    return Optional.ofNullable(current.get(id));
  }

  @Override
  public Set<Outcome> getSecondaryResources(P primary) {
    return outcome(ResourceID.fromResource(primary)).map(Set::of).orElse(Set.of());
  }
}

package dev.sluice.dataplane;

import dev.sluice.dataplane.routing.EndpointRegistry;
import dev.sluice.dataplane.routing.RouteTable;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.tls.UpstreamTlsContexts;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The in-process channel between producers and the data plane. {@link #publish} compiles a snapshot
 * once and swaps it in atomically: requests already routed keep the objects they hold, new requests
 * see the new table, and nothing is closed.
 *
 * <p>Thread safety: {@link #current()} is read by every event loop (one volatile read); {@link
 * #publish} may be called from any single producer thread at a time.
 */
public final class SnapshotHolder implements Consumer<Snapshot> {
  private final EndpointRegistry registry = new EndpointRegistry();
  /** Client TLS contexts of HTTPS upstreams, reused from one snapshot to the next. */
  private final UpstreamTlsContexts upstreamTls = new UpstreamTlsContexts();
  private final AtomicReference<RouteTable> current;
  private volatile boolean published;
  // written under the publish lock, read by metric gauges and the admin page on any thread
  private volatile long publishedAtMillis;
  private volatile long publishes;

  public SnapshotHolder() {
    current = new AtomicReference<>(RouteTable.compile(Snapshot.empty(), registry, upstreamTls));
  }

  /** Compiles and swaps in {@code snapshot}. */
  public synchronized void publish(Snapshot snapshot) {
    current.set(RouteTable.compile(snapshot, registry, upstreamTls));
    publishedAtMillis = System.currentTimeMillis();
    publishes = publishes + 1;
    published = true;
  }

  @Override
  public void accept(Snapshot snapshot) {
    publish(snapshot);
  }

  /** The table new requests are routed with. */
  public RouteTable current() {
    return current.get();
  }

  /** True once a producer published its first complete snapshot (drives /readyz). */
  public boolean hasPublished() {
    return published;
  }

  /** Wall-clock time of the last successful {@link #publish} in epoch millis; 0 before the first. */
  public long lastPublishedAtMillis() {
    return publishedAtMillis;
  }

  /** How many snapshots were published since start. */
  public long publishCount() {
    return publishes;
  }
}

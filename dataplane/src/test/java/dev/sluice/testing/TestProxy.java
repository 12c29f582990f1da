package dev.sluice.testing;

import dev.sluice.dataplane.SnapshotHolder;
import dev.sluice.dataplane.server.ServerSettings;
import dev.sluice.dataplane.server.SluiceServer;
import dev.sluice.dataplane.snapshot.Snapshot;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A running {@link SluiceServer} on 127.0.0.1 and an ephemeral port with its own snapshot holder
 * and meter registry, for tests.
 */
public final class TestProxy implements AutoCloseable {
  private final SnapshotHolder snapshots;
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final SluiceServer server;

  private TestProxy(ServerSettings settings, SnapshotHolder snapshots) throws InterruptedException {
    this.snapshots = snapshots;
    server = SluiceServer.start(settings, snapshots, metrics);
  }

  /** Default settings, two event loops, ephemeral port. */
  public static TestProxy start() {
    return start(b -> b);
  }

  /** Default settings changed by {@code customize} (ports are forced to ephemeral). */
  public static TestProxy start(UnaryOperator<ServerSettings.Builder> customize) {
    return start(customize, new SnapshotHolder());
  }

  /** Like {@link #start(UnaryOperator)}, serving from {@code snapshots} (e.g. TLS settings). */
  public static TestProxy start(
      UnaryOperator<ServerSettings.Builder> customize, SnapshotHolder snapshots) {
    ServerSettings settings =
        customize
            .apply(ServerSettings.builder().bindAddress("127.0.0.1").ioThreads(2))
            .httpPort(0)
            .httpsPort(0)
            .adminPort(0)
            .build();
    try {
      return new TestProxy(settings, snapshots);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public TestProxy publish(Snapshot snapshot) {
    snapshots.publish(snapshot);
    return this;
  }

  public SnapshotHolder snapshots() {
    return snapshots;
  }

  public SluiceServer server() {
    return server;
  }

  public int port() {
    return server.httpPort();
  }

  public int httpsPort() {
    return server.httpsPort();
  }

  /** {@code http://127.0.0.1:port} + {@code path}. */
  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  public MeterRegistry metrics() {
    return metrics;
  }

  /** How often {@code sluice_proxy_errors_total{kind}} was counted. */
  public double errors(String kind) {
    var counter = metrics.find("sluice.proxy.errors").tag("kind", kind).counter();
    return counter == null ? 0 : counter.count();
  }

  @Override
  public void close() {
    server.close(Duration.ofSeconds(2));
  }
}

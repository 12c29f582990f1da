package dev.sluice.dataplane.server;

import dev.sluice.dataplane.SnapshotHolder;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The data plane's listeners. Serves whatever {@link SnapshotHolder#current()} holds.
 *
 * <p>TODO(proxy helper): implement. Contract: {@code start} binds the HTTP listener (and, later,
 * HTTPS and admin), logs the transport in use and returns once bound; {@link #httpPort()} is the
 * bound port (useful with port 0); {@link #close()} stops accepting, closes channels and shuts the
 * event loops down gracefully.
 */
public final class SluiceServer implements AutoCloseable {

  private SluiceServer() {}

  public static SluiceServer start(
      ServerSettings settings, SnapshotHolder snapshots, MeterRegistry metrics)
      throws InterruptedException {
    throw new UnsupportedOperationException("not yet");
  }

  public int httpPort() {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public void close() {}
}

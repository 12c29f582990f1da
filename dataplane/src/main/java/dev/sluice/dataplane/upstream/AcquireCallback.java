package dev.sluice.dataplane.upstream;

/** Result of {@link UpstreamPool#acquire}; called on the pool's event loop. */
public interface AcquireCallback {

  /** A connected channel, leased to the caller until it releases or discards the link. */
  void onAcquired(UpstreamLink link);

  /**
   * Connecting failed: {@link java.net.ConnectException} when refused, {@link
   * io.netty.channel.ConnectTimeoutException} after the connect timeout, other IO errors otherwise.
   */
  void onAcquireFailed(Throwable cause);
}

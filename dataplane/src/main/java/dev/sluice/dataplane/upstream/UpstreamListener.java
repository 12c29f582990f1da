package dev.sluice.dataplane.upstream;

/**
 * Receives what happens on a leased upstream channel while one exchange owns it. Every method is
 * called on the channel's event loop, which is also the downstream channel's event loop.
 */
public interface UpstreamListener {

  /** A decoded message; the listener owns it (write it on or release it). */
  void onUpstreamRead(Object msg);

  void onUpstreamReadComplete();

  void onUpstreamWritabilityChanged(boolean writable);

  /** The connection closed (by the peer, or by an error). */
  void onUpstreamInactive();

  /** An exception surfaced in the upstream pipeline; the link closes the channel right after. */
  void onUpstreamException(Throwable cause);
}

package dev.sluice.dataplane.upstream;

/**
 * Where an {@link UpstreamLink} goes back when its lease ends: the keep-alive pool of HTTP/1.1
 * connections, or the HTTP/2 connection whose stream it is.
 *
 * <p>Thread safety: the event loop of the link's channel only.
 */
interface LinkHome {

  /** The lease ended cleanly; the link may be reused (HTTP/1.1) or its stream is done (HTTP/2). */
  void release(UpstreamLink link);

  /** The link's channel closed while nobody leased it. */
  void remove(UpstreamLink link);
}

package dev.sluice.dataplane.proxyprotocol;

import io.netty.channel.Channel;
import java.net.InetAddress;

/**
 * Asked once a PROXY header has named a connection's client, before any byte after the header is
 * passed on. The connection caps use it to count the real client rather than the load balancer.
 *
 * <p>Called on the channel's event loop; must not block.
 */
@FunctionalInterface
public interface ClientAdmission {
  /** Lets every client in. */
  ClientAdmission ANY = (ch, client) -> true;

  /**
   * Returns true to go on; false when {@code client} may not connect, after having closed {@code
   * ch} and counted the refusal itself.
   */
  boolean admit(Channel ch, InetAddress client);
}

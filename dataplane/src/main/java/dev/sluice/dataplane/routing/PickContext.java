package dev.sluice.dataplane.routing;

import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;

/**
 * What a {@link Balancer} may look at of the request it picks for (hash keys, affinity cookies,
 * canary rules). Implemented by the proxy's exchange.
 *
 * <p>Thread safety: the event loop of the request's downstream channel only.
 */
public interface PickContext {

  /** The request as it goes upstream (route filters have run). */
  HttpRequest request();

  /** The client's address after PROXY protocol and trusted-proxy handling. */
  InetAddress clientAddress();
}

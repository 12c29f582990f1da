package dev.sluice.dataplane.snapshot;

import java.util.Objects;

/**
 * One address a backend group can send to.
 *
 * @param address IP literal or DNS name (ExternalName services)
 * @param port TCP port, 1..65535
 * @param weight relative share of traffic, 0 (none) .. 1,000,000
 * @param ready whether it may receive new requests (EndpointSlice {@code ready}/{@code serving})
 */
public record Endpoint(String address, int port, int weight, boolean ready) {

  public static final int DEFAULT_WEIGHT = 1;
  public static final int MAX_WEIGHT = 1_000_000;

  public Endpoint {
    Objects.requireNonNull(address, "address");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    if (weight < 0 || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException("weight out of range: " + weight);
    }
  }

  public static Endpoint of(String address, int port) {
    return new Endpoint(address, port, DEFAULT_WEIGHT, true);
  }

  /** {@code address:port}, with brackets for IPv6 literals. */
  public String authority() {
    return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
  }
}

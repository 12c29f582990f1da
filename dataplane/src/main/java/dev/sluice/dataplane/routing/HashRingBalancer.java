package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.snapshot.HashKey;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import java.util.Arrays;
import java.util.List;

/**
 * Consistent hashing ({@code upstream-hash-by}) on a ketama ring: each endpoint owns {@value
 * #POINTS_PER_WEIGHT} points per unit of its weight relative to the group's mean weight, placed by
 * hashing its address (not its position in the group), so adding or removing one of N endpoints
 * moves only about 1/N of the keys. A request's key is hashed onto the ring and the owner of the
 * next point serves it; the ring holds ready endpoints only, so the keys of one that is not ready
 * walk on to the next point's owner, and come back when it is ready again. A retry walks on past
 * the endpoint that failed.
 *
 * <p>Requests without the key (no such header or cookie) are served by the group's {@code
 * load-balance} algorithm. The ring is built once per snapshot per group (when its endpoints
 * change).
 *
 * <p>Thread safety: any thread; immutable.
 */
final class HashRingBalancer implements Balancer {
  static final int POINTS_PER_WEIGHT = 160;

  private final EndpointState[] states;
  private final long[] points; // sorted hashes
  private final int[] owners; // index into states for each point
  private final HashKey key;
  private final AsciiString header; // for HEADER keys
  private final Balancer withoutKey;

  /**
   * @param states at least one endpoint, all with weight > 0
   * @param withoutKey serves requests that lack the key
   */
  HashRingBalancer(List<EndpointState> states, HashKey key, Balancer withoutKey) {
    if (states.isEmpty()) {
      throw new IllegalArgumentException("needs an endpoint");
    }
    this.states = states.toArray(new EndpointState[0]);
    this.key = key;
    this.header = key.source() == HashKey.Source.HEADER ? AsciiString.of(key.name()) : null;
    this.withoutKey = withoutKey;
    double mean = 0;
    for (EndpointState s : this.states) {
      mean += s.endpoint().weight();
    }
    mean /= this.states.length;
    int[] counts = new int[this.states.length];
    int total = 0;
    for (int i = 0; i < counts.length; i++) {
      counts[i] =
          (int) Math.max(1, Math.round(POINTS_PER_WEIGHT * this.states[i].endpoint().weight() / mean));
      total += counts[i];
    }
    long[] hashes = new long[total];
    int[] ownerOf = new int[total];
    Integer[] order = new Integer[total];
    int p = 0;
    for (int i = 0; i < counts.length; i++) {
      String authority = this.states[i].endpoint().authority();
      for (int k = 0; k < counts[i]; k++) {
        hashes[p] = hash(authority + "-" + k);
        ownerOf[p] = i;
        order[p] = p;
        p++;
      }
    }
    // by hash; equal hashes (practically never) by owner, so the ring does not depend on sorting
    Arrays.sort(
        order,
        (x, y) -> {
          int c = Long.compare(hashes[x], hashes[y]);
          return c != 0 ? c : Integer.compare(ownerOf[x], ownerOf[y]);
        });
    this.points = new long[total];
    this.owners = new int[total];
    for (int i = 0; i < total; i++) {
      points[i] = hashes[order[i]];
      owners[i] = ownerOf[order[i]];
    }
  }

  @Override
  public EndpointState pick(EndpointState avoid) {
    return withoutKey.pick(avoid);
  }

  @Override
  public EndpointState pick(EndpointState avoid, PickContext request) {
    long h;
    if (request == null) {
      return withoutKey.pick(avoid);
    }
    switch (key.source()) {
      case CLIENT_IP -> h = hash(request.clientAddress().getAddress());
      case REQUEST_URI -> h = hash(request.request().uri());
      default -> {
        HttpHeaders headers = request.request().headers();
        String v =
            key.source() == HashKey.Source.HEADER
                ? headers.get(header)
                : Cookies.value(headers, key.name());
        if (v == null) {
          return withoutKey.pick(avoid, request);
        }
        h = hash(v);
      }
    }
    return owner(h, avoid);
  }

  /** The owner of the first point at or after {@code h}, walking past {@code avoid}. */
  EndpointState owner(long h, EndpointState avoid) {
    int i = Arrays.binarySearch(points, h);
    if (i < 0) {
      i = -i - 1;
    }
    for (int k = 0; k < points.length; k++) {
      EndpointState s = states[owners[(i + k) % points.length]];
      if (!Balancers.sameEndpoint(s, avoid)) {
        return s;
      }
    }
    return states[owners[i % points.length]]; // only the avoided one is left
  }

  @Override
  public void onResponseHead(
      EndpointState picked, PickContext request, HttpResponse response, long latencyNanos) {
    withoutKey.onResponseHead(picked, request, response, latencyNanos);
  }

  @Override
  public void onFailure(EndpointState failed) {
    withoutKey.onFailure(failed);
  }

  /** FNV-1a over the chars, then MurmurHash3's finalizer to spread the bits over the ring. */
  static long hash(CharSequence s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      h = (h ^ (c & 0xff)) * 0x100000001b3L;
      h = (h ^ (c >>> 8)) * 0x100000001b3L;
    }
    return mix(h);
  }

  static long hash(byte[] b) {
    long h = 0xcbf29ce484222325L;
    for (byte x : b) {
      h = (h ^ (x & 0xff)) * 0x100000001b3L;
    }
    return mix(h);
  }

  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  @Override
  public String toString() {
    return "HashRing(" + key + ")" + List.of(states) + "/points=" + points.length;
  }
}

package dev.sluice.dataplane.routing;

import dev.sluice.dataplane.policy.PolicyRuntime;
import dev.sluice.dataplane.snapshot.BackendGroup;
import dev.sluice.dataplane.snapshot.HttpRoute;
import dev.sluice.dataplane.snapshot.PassthroughRoute;
import dev.sluice.dataplane.snapshot.Snapshot;
import dev.sluice.dataplane.snapshot.BackendGroup.UpstreamProtocol;
import dev.sluice.dataplane.snapshot.UpstreamTls;
import dev.sluice.dataplane.snapshot.VirtualHost;
import dev.sluice.dataplane.tls.UpstreamTlsClient;
import dev.sluice.dataplane.tls.UpstreamTlsContexts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP lookup structure compiled from one {@link Snapshot}: Host header and request target to a
 * {@link CompiledRoute}. Compiled once per snapshot; a lookup allocates nothing.
 *
 * <p><b>Which route serves a request</b> (Kubernetes Ingress semantics):
 *
 * <table>
 *   <caption>Precedence</caption>
 *   <tr><th>step</th><th>rule</th></tr>
 *   <tr><td>1. host name</td><td>Taken from the Host header (or {@code :authority}); for an
 *       absolute-form target ({@code GET http://a.example.org/x}) from the target, as RFC 9112
 *       §3.2.2 requires. Case-insensitive; port, IPv6 brackets and one trailing dot are
 *       ignored ({@code A.Example.org.:8080} is {@code a.example.org}).</td></tr>
 *   <tr><td>2. host rule</td><td>Exact host, else the one-label wildcard ({@code *.example.org}
 *       matches {@code a.example.org}, not {@code example.org} nor {@code a.b.example.org}), else
 *       the catch-all (rules without host). A request without a host name (HTTP/1.0) goes to
 *       the catch-all only.</td></tr>
 *   <tr><td>3. no fall-through</td><td>Once a host rule (exact or wildcard) is chosen, only its
 *       paths are tried: if none matches the answer is "no route" (404), even if the wildcard or
 *       the catch-all has a matching path. Rules without host serve only requests whose host
 *       matches no host rule, as in the Ingress spec and in nginx {@code server_name}
 *       selection.</td></tr>
 *   <tr><td>4. path</td><td>On the path only ({@code ?query} and {@code #fragment} cut off).
 *       Exact: equal, case-sensitive. Prefix and ImplementationSpecific: element-wise over
 *       {@code /}-separated segments, the rule's trailing slash ignored ({@code /foo} matches
 *       {@code /foo}, {@code /foo/}, {@code /foo/bar}, not {@code /foobar}; {@code /} matches
 *       all).</td></tr>
 *   <tr><td>5. path precedence</td><td>The longest match wins; an Exact match is never shorter
 *       than a Prefix match, so Exact wins at equal length; among rules matching the same
 *       requests the longer text, then the first in {@link VirtualHost#routes()} order,
 *       wins.</td></tr>
 * </table>
 *
 * <p>A host name with no routes is not a host rule (it hides neither a wildcard nor the catch-all). Virtual hosts
 * whose names are equal after normalisation are merged in snapshot order.
 *
 * <p>Thread safety: immutable and shared by all event loops; {@link #compile} runs on the
 * publishing thread.
 */
public final class RouteTable {
  private final Snapshot snapshot;
  private final HostTable<PathMatcher> hosts;
  private final PathMatcher catchAll;
  private final HostTable<CompiledPassthrough> passthrough;

  private RouteTable(
      Snapshot snapshot,
      HostTable<PathMatcher> hosts,
      PathMatcher catchAll,
      HostTable<CompiledPassthrough> passthrough) {
    this.snapshot = snapshot;
    this.hosts = hosts;
    this.catchAll = catchAll;
    this.passthrough = passthrough;
  }

  /**
   * Compiles {@code snapshot}, taking endpoint states and unchanged balancers from {@code registry}
   * and dropping from it whatever this snapshot no longer references.
   *
   * @throws IllegalArgumentException for a host name that is no valid pattern (empty, or with a
   *     star anywhere but as a leading {@code *.} label); the snapshot is then not served
   */
  public static RouteTable compile(Snapshot snapshot, EndpointRegistry registry) {
    return compile(snapshot, registry, new UpstreamTlsContexts());
  }

  /**
   * As {@link #compile(Snapshot, EndpointRegistry)}, with upstream TLS contexts taken from (and
   * kept in) {@code upstreamTls}, so an unchanged CA bundle keeps its context and TLS sessions; the
   * contexts this snapshot no longer uses are dropped from it.
   */
  public static RouteTable compile(
      Snapshot snapshot, EndpointRegistry registry, UpstreamTlsContexts upstreamTls) {
    return compile(snapshot, registry, upstreamTls, new PolicyRuntime());
  }

  /**
   * As {@link #compile(Snapshot, EndpointRegistry, UpstreamTlsContexts)}, compiling each route's
   * policies against {@code policies}, the policy state that outlives snapshots.
   */
  public static RouteTable compile(
      Snapshot snapshot,
      EndpointRegistry registry,
      UpstreamTlsContexts upstreamTls,
      PolicyRuntime policies) {
    // HTTP/1.1 and h2 clients differ in their ALPN offer, so they are compiled (and cached) apart
    Map<UpstreamTls, UpstreamTlsClient> clients = new HashMap<>();
    Map<UpstreamTls, UpstreamTlsClient> h2Clients = new HashMap<>();
    Set<String> live = new HashSet<>();
    List<CompiledRoute> catchAllRoutes = new ArrayList<>();
    Map<String, List<CompiledRoute>> byHost = new LinkedHashMap<>();
    for (VirtualHost vh : snapshot.virtualHosts()) {
      List<CompiledRoute> routes =
          vh.isCatchAll()
              ? catchAllRoutes
              : byHost.computeIfAbsent(
                  HostTable.Builder.normalize(vh.hostname()), k -> new ArrayList<>());
      for (HttpRoute r : vh.routes()) {
        UpstreamTarget main =
            new UpstreamTarget(
                r.backend(),
                registry.balancerFor(r.backend(), live),
                tlsClient(r.backend(), upstreamTls, clients, h2Clients));
        CanarySplit canary = null;
        if (r.canary() != null) {
          BackendGroup g = r.canary().backend();
          canary =
              new CanarySplit(
                  r.canary(),
                  new UpstreamTarget(
                      g,
                      registry.balancerFor(g, live),
                      tlsClient(g, upstreamTls, clients, h2Clients)));
        }
        routes.add(new CompiledRoute(vh, r, main, canary, policies));
      }
    }
    HostTable.Builder<PathMatcher> hosts = HostTable.builder();
    for (Map.Entry<String, List<CompiledRoute>> e : byHost.entrySet()) {
      if (!e.getValue().isEmpty()) {
        hosts.put(e.getKey(), PathMatcher.compile(e.getValue()));
      }
    }
    PathMatcher catchAll = catchAllRoutes.isEmpty() ? null : PathMatcher.compile(catchAllRoutes);
    // SNI names of passthrough routes; the translator has already resolved conflicts, so a name
    // listed twice keeps its first route (HostTable.Builder#put ignores the second).
    HostTable.Builder<CompiledPassthrough> passthrough = HostTable.builder();
    for (PassthroughRoute p : snapshot.passthrough()) {
      CompiledPassthrough compiled =
          new CompiledPassthrough(p, registry.balancerFor(p.backend(), live));
      for (String name : p.hostnames()) {
        passthrough.put(name, compiled);
      }
    }
    RouteTable table = new RouteTable(snapshot, hosts.build(), catchAll, passthrough.build());
    registry.retainOnly(live);
    List<UpstreamTlsClient> inUse = new ArrayList<>(clients.values());
    inUse.addAll(h2Clients.values());
    upstreamTls.retainOnly(inUse);
    return table;
  }

  /** The TLS client for {@code group}'s endpoints ({@code null}: plain), one per distinct setting. */
  private static UpstreamTlsClient tlsClient(
      BackendGroup group,
      UpstreamTlsContexts upstreamTls,
      Map<UpstreamTls, UpstreamTlsClient> clients,
      Map<UpstreamTls, UpstreamTlsClient> h2Clients) {
    UpstreamTls tls = group.tls();
    if (tls == null) {
      return null;
    }
    return group.protocol() == UpstreamProtocol.H2
        ? h2Clients.computeIfAbsent(tls, upstreamTls::h2Client)
        : clients.computeIfAbsent(tls, upstreamTls::client);
  }

  public Snapshot snapshot() {
    return snapshot;
  }

  /**
   * @param host the Host header (or :authority), possibly with a port, any case; {@code null} or
   *     empty when the request has none
   * @param uri the request target: origin form ({@code /p?q}) or absolute form ({@code
   *     http://h/p?q})
   * @return the route, or {@code null} when none matches (the caller answers 404)
   */
  public CompiledRoute match(CharSequence host, CharSequence uri) {
    if (uri == null) {
      uri = "";
    }
    long authority = RequestTarget.authority(uri);
    long path = RequestTarget.path(uri, authority);
    CharSequence hostSource = host;
    long hostRange = RequestTarget.NONE;
    if (authority != RequestTarget.NONE
        && RequestTarget.start(authority) < RequestTarget.end(authority)) {
      hostSource = uri;
      hostRange =
          RequestTarget.host(uri, RequestTarget.start(authority), RequestTarget.end(authority));
    } else if (host != null) {
      hostRange = RequestTarget.host(host, 0, host.length());
    }
    PathMatcher matcher = null;
    if (hostRange != RequestTarget.NONE
        && RequestTarget.start(hostRange) < RequestTarget.end(hostRange)) {
      matcher =
          hosts.lookup(hostSource, RequestTarget.start(hostRange), RequestTarget.end(hostRange));
    }
    if (matcher == null) {
      matcher = catchAll;
    }
    return matcher == null
        ? null
        : matcher.match(uri, RequestTarget.start(path), RequestTarget.end(path));
  }

  /**
   * The passthrough route for a ClientHello's SNI name (exact name first, then a one-label
   * wildcard), or {@code null} when TLS is to be terminated here.
   */
  public CompiledPassthrough passthrough(CharSequence sni) {
    return sni == null ? null : passthrough.lookup(sni);
  }

  /** True when some SNI name is passed through (lets the listener skip work when none is). */
  public boolean hasPassthrough() {
    return !passthrough.isEmpty();
  }
}

package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.BackendGroup.UpstreamProtocol;
import dev.sluice.dataplane.snapshot.Endpoint;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Service + port (number or name) to endpoints: Service port, then per endpoint the port the
 * EndpointSlice publishes under that Service port's name (which is how a named targetPort is
 * resolved per pod), falling back to core Endpoints when the Service has no EndpointSlices, and to
 * the DNS name for ExternalName Services.
 */
final class BackendResolver {

  /** A Service port as an Ingress or passthrough backend names it. */
  record PortRef(Integer number, String name) {
    static PortRef of(IntOrString p) {
      if (p == null) {
        return new PortRef(null, null);
      }
      return p.getIntVal() != null ? new PortRef(p.getIntVal(), null) : new PortRef(null, p.getStrVal());
    }

    boolean isSet() {
      return number != null || (name != null && !name.isEmpty());
    }

    @Override
    public String toString() {
      return number != null ? String.valueOf(number) : name;
    }
  }

  sealed interface Result {}

  /**
   * @param servicePort the Service port number the reference resolved to (names a backend group the
   *     same way whether the reference used the number or the name)
   * @param endpoints sorted by address and port; not-ready ones are listed with {@code ready=false}
   */
  record Resolved(int servicePort, List<Endpoint> endpoints, UpstreamProtocol protocol)
      implements Result {}

  record Failed(Reason reason, String message) implements Result {}

  private final ClusterIndex index;

  BackendResolver(ClusterIndex index) {
    this.index = index;
  }

  Result resolve(String namespace, String serviceName, PortRef port) {
    if (serviceName == null || serviceName.isEmpty()) {
      return new Failed(Reason.InvalidSpec, "backend names no service");
    }
    if (!port.isSet()) {
      return new Failed(Reason.InvalidSpec, "backend service \"" + serviceName + "\" names no port");
    }
    Service svc = index.service(namespace, serviceName);
    if (svc == null) {
      return new Failed(
          Reason.BackendNotFound, "service \"" + namespace + "/" + serviceName + "\" not found");
    }
    ServicePort sp = findPort(svc, port);
    if ("ExternalName".equals(svc.getSpec() == null ? null : svc.getSpec().getType())) {
      return externalName(svc, sp, port);
    }
    if (sp == null) {
      return new Failed(
          Reason.PortNotFound,
          "service \"" + namespace + "/" + serviceName + "\" has no port " + describe(port));
    }
    List<EndpointSlice> slices = index.slices(namespace, serviceName);
    List<Endpoint> endpoints =
        slices.isEmpty()
            ? fromEndpoints(index.endpoints(namespace, serviceName), sp)
            : fromSlices(slices, sp);
    return new Resolved(sp.getPort(), endpoints, protocolOf(sp.getAppProtocol()));
  }

  private static String describe(PortRef port) {
    return port.number() != null ? port.number().toString() : "named \"" + port.name() + "\"";
  }

  private static ServicePort findPort(Service svc, PortRef ref) {
    if (svc.getSpec() == null || svc.getSpec().getPorts() == null) {
      return null;
    }
    for (ServicePort sp : svc.getSpec().getPorts()) {
      if (ref.number() != null ? ref.number().equals(sp.getPort()) : ref.name().equals(sp.getName())) {
        return sp;
      }
    }
    return null;
  }

  private static Result externalName(Service svc, ServicePort sp, PortRef ref) {
    String host = svc.getSpec().getExternalName();
    if (host == null || host.isEmpty()) {
      return new Failed(Reason.InvalidSpec, "ExternalName service has no spec.externalName");
    }
    Integer port = sp != null ? sp.getPort() : ref.number();
    if (port == null) {
      return new Failed(
          Reason.PortNotFound, "ExternalName service has no port " + describe(ref));
    }
    if (!validPort(port)) {
      return new Failed(Reason.InvalidSpec, "port " + port + " is out of range");
    }
    return new Resolved(
        port,
        List.of(new Endpoint(host.toLowerCase(Locale.ROOT), port, Endpoint.DEFAULT_WEIGHT, true)),
        protocolOf(sp == null ? null : sp.getAppProtocol()));
  }

  private static List<Endpoint> fromSlices(List<EndpointSlice> slices, ServicePort sp) {
    Map<String, Endpoint> byAuthority = new LinkedHashMap<>();
    for (EndpointSlice slice : slices) {
      Integer port = slicePort(slice, sp);
      if (port == null || slice.getEndpoints() == null) {
        continue;
      }
      for (var e : slice.getEndpoints()) {
        EndpointConditions c = e.getConditions();
        if (c != null && Boolean.TRUE.equals(c.getTerminating())) {
          continue; // draining: in-flight requests finish, no new ones
        }
        boolean ready = c == null || c.getReady() == null || c.getReady();
        if (e.getAddresses() == null || e.getAddresses().isEmpty()) {
          continue;
        }
        // The API says consumers use the first address; the others are the same pod.
        add(byAuthority, e.getAddresses().get(0), port, ready);
      }
    }
    return sorted(byAuthority);
  }

  /** The port this slice publishes for the Service port (matched by the Service port's name). */
  private static Integer slicePort(EndpointSlice slice, ServicePort sp) {
    if (slice.getPorts() != null) {
      for (var p : slice.getPorts()) {
        if (Objects.equals(emptyToNull(p.getName()), emptyToNull(sp.getName()))
            && (p.getProtocol() == null || "TCP".equals(p.getProtocol()))) {
          return p.getPort();
        }
      }
    }
    return numericTarget(sp);
  }

  private static List<Endpoint> fromEndpoints(Endpoints eps, ServicePort sp) {
    Map<String, Endpoint> byAuthority = new LinkedHashMap<>();
    if (eps == null || eps.getSubsets() == null) {
      return List.of();
    }
    for (EndpointSubset subset : eps.getSubsets()) {
      Integer port = subsetPort(subset, sp);
      if (port == null) {
        continue;
      }
      addAll(byAuthority, subset.getAddresses(), port, true);
      addAll(byAuthority, subset.getNotReadyAddresses(), port, false);
    }
    return sorted(byAuthority);
  }

  private static Integer subsetPort(EndpointSubset subset, ServicePort sp) {
    if (subset.getPorts() != null) {
      for (EndpointPort p : subset.getPorts()) {
        if (Objects.equals(emptyToNull(p.getName()), emptyToNull(sp.getName()))
            && (p.getProtocol() == null || "TCP".equals(p.getProtocol()))) {
          return p.getPort();
        }
      }
    }
    return numericTarget(sp);
  }

  private static void addAll(
      Map<String, Endpoint> into, List<EndpointAddress> addresses, int port, boolean ready) {
    if (addresses != null) {
      for (EndpointAddress a : addresses) {
        add(into, a.getIp(), port, ready);
      }
    }
  }

  private static void add(Map<String, Endpoint> into, String address, Integer port, boolean ready) {
    if (address == null || address.isEmpty() || port == null || !validPort(port)) {
      return;
    }
    Endpoint e = new Endpoint(address, port, Endpoint.DEFAULT_WEIGHT, ready);
    // The same pod may appear in two slices while they are being rebalanced; ready wins.
    into.merge(e.authority(), e, (a, b) -> a.ready() ? a : b);
  }

  private static List<Endpoint> sorted(Map<String, Endpoint> byAuthority) {
    List<Endpoint> list = new ArrayList<>(byAuthority.values());
    list.sort(Comparator.comparing(Endpoint::address).thenComparingInt(Endpoint::port));
    return list;
  }

  /** targetPort when it is a number (or absent: then it equals the Service port). */
  private static Integer numericTarget(ServicePort sp) {
    IntOrString t = sp.getTargetPort();
    if (t == null) {
      return sp.getPort();
    }
    return t.getIntVal();
  }

  private static boolean validPort(int p) {
    return p >= 1 && p <= 65535;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** Service port appProtocol, as the Kubernetes docs spell the values Sluice understands. */
  static UpstreamProtocol protocolOf(String appProtocol) {
    if (appProtocol == null) {
      return UpstreamProtocol.HTTP;
    }
    return switch (appProtocol.toLowerCase(Locale.ROOT)) {
      case "https" -> UpstreamProtocol.HTTPS;
      case "kubernetes.io/h2c", "h2c" -> UpstreamProtocol.H2C;
      default -> UpstreamProtocol.HTTP;
    };
  }
}

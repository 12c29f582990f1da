package dev.sluice.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** What a {@link TLSPassthroughRoute} asks for. Plain bean so Jackson and the CRD generator read it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TLSPassthroughRouteSpec {

  /**
   * A lower-case DNS name, or a {@code *.} wildcard covering exactly one label. Shared with the
   * translator so the API server and Sluice accept the same names.
   */
  public static final String HOSTNAME_PATTERN =
      "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  public static final int MAX_HOSTNAMES = 16;
  public static final int MAX_BACKENDS = 16;

  @JsonPropertyDescription(
      "IngressClass that should serve this route; same rules as an Ingress's ingressClassName.")
  private String ingressClassName;

  @Required
  @Size(min = 1, max = MAX_HOSTNAMES)
  @JsonPropertyDescription(
      "SNI host names this route takes: exact, or a *. wildcard that matches one label.")
  private List<@Size(min = 1, max = 253) @Pattern(HOSTNAME_PATTERN) String> hostnames;

  @Required
  @Size(min = 1, max = MAX_BACKENDS)
  @JsonPropertyDescription("Services in the route's namespace that receive the connections, by weight.")
  private List<PassthroughBackend> backends;

  @Default("None")
  @JsonPropertyDescription("PROXY protocol header sent to the backend before the client's bytes.")
  private ProxyProtocolMode proxyProtocol;

  @JsonPropertyDescription("Connection timeouts.")
  private PassthroughTimeouts timeouts;

  public String getIngressClassName() {
    return ingressClassName;
  }

  public void setIngressClassName(String ingressClassName) {
    this.ingressClassName = ingressClassName;
  }

  public List<String> getHostnames() {
    return hostnames;
  }

  public void setHostnames(List<String> hostnames) {
    this.hostnames = hostnames;
  }

  public List<PassthroughBackend> getBackends() {
    return backends;
  }

  public void setBackends(List<PassthroughBackend> backends) {
    this.backends = backends;
  }

  public ProxyProtocolMode getProxyProtocol() {
    return proxyProtocol;
  }

  public void setProxyProtocol(ProxyProtocolMode proxyProtocol) {
    this.proxyProtocol = proxyProtocol;
  }

  public PassthroughTimeouts getTimeouts() {
    return timeouts;
  }

  public void setTimeouts(PassthroughTimeouts timeouts) {
    this.timeouts = timeouts;
  }
}

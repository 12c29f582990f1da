package dev.sluice.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.IntOrString;

/** One Service (same namespace as the route) that receives a share of the connections. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PassthroughBackend {

  public static final int DEFAULT_WEIGHT = 1;
  public static final int MAX_WEIGHT = 1_000_000;

  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
  @JsonPropertyDescription("Name of a Service in the route's namespace.")
  private String service;

  @Required
  @JsonPropertyDescription("Service port, by number or by name.")
  private IntOrString port;

  @Min(0)
  @Max(MAX_WEIGHT)
  @Default("1")
  @JsonPropertyDescription("Relative share of connections, 0 (none) to 1000000. Default 1.")
  private Integer weight;

  public PassthroughBackend() {}

  public PassthroughBackend(String service, IntOrString port, Integer weight) {
    this.service = service;
    this.port = port;
    this.weight = weight;
  }

  public String getService() {
    return service;
  }

  public void setService(String service) {
    this.service = service;
  }

  public IntOrString getPort() {
    return port;
  }

  public void setPort(IntOrString port) {
    this.port = port;
  }

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }
}

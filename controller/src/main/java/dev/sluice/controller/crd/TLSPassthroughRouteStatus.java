package dev.sluice.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * Written by the controller: {@code Accepted} and {@code ResolvedRefs} conditions with reasons such
 * as {@code HostnameConflict}, {@code BackendNotFound}, {@code InvalidSpec}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TLSPassthroughRouteStatus {

  private Long observedGeneration;
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }
}

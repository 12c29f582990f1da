package dev.sluice.controller.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * SNI passthrough: TLS connections whose ClientHello names one of {@code spec.hostnames} are relayed
 * undecrypted to {@code spec.backends}. The CRD YAML under {@code crds/} is generated from this type
 * (crd-generator-maven-plugin) and kept in sync by a test.
 */
@Group(TLSPassthroughRoute.GROUP)
@Version(TLSPassthroughRoute.VERSION)
@Kind(TLSPassthroughRoute.KIND)
@Plural("tlspassthroughroutes")
@Singular("tlspassthroughroute")
@ShortNames("tpr")
@AdditionalPrinterColumn(name = "Hostnames", jsonPath = ".spec.hostnames", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Backends", jsonPath = ".spec.backends[*].service", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Accepted",
    jsonPath = ".status.conditions[?(@.type==\"Accepted\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class TLSPassthroughRoute
    extends CustomResource<TLSPassthroughRouteSpec, TLSPassthroughRouteStatus>
    implements Namespaced {

  public static final String GROUP = "sluice.dev";
  public static final String VERSION = "v1alpha1";
  public static final String KIND = "TLSPassthroughRoute";
  public static final String API_VERSION = GROUP + "/" + VERSION;
}

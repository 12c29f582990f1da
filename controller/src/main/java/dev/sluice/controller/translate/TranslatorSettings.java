package dev.sluice.controller.translate;

import java.util.Objects;

/**
 * How the translator decides which Ingresses and TLSPassthroughRoutes are Sluice's.
 *
 * @param ingressClassName the class name matched against the legacy {@code kubernetes.io/ingress.class}
 *     annotation
 * @param standalone manifest-folder mode: when the input holds no IngressClass objects at all, every
 *     Ingress and TLSPassthroughRoute is served whatever class it names (a folder copied from a
 *     cluster where another controller ran still works). With any IngressClass present the normal
 *     cluster rules apply.
 * @param controllerName {@code spec.controller} of the IngressClass objects Sluice serves (default
 *     {@value #CONTROLLER_NAME}; another name lets two Sluice installations share a cluster)
 * @param nginxAnnotations read ingress-nginx's {@code nginx.ingress.kubernetes.io/} annotations
 *     for the policies Sluice implements ({@link IngressAnnotations}); off: they are reported as
 *     ignored
 */
public record TranslatorSettings(
    String ingressClassName, boolean standalone, String controllerName, boolean nginxAnnotations) {

  /** Default {@code spec.controller} of the IngressClass objects Sluice serves. */
  public static final String CONTROLLER_NAME = "sluice.dev/ingress-controller";

  public static final String DEFAULT_INGRESS_CLASS = "sluice";

  public TranslatorSettings {
    Objects.requireNonNull(ingressClassName, "ingressClassName");
    Objects.requireNonNull(controllerName, "controllerName");
  }

  public TranslatorSettings(String ingressClassName, boolean standalone) {
    this(ingressClassName, standalone, CONTROLLER_NAME, false);
  }

  /** The same settings serving IngressClasses of {@code name}. */
  public TranslatorSettings withControllerName(String name) {
    return new TranslatorSettings(ingressClassName, standalone, name, nginxAnnotations);
  }

  /** The same settings reading ingress-nginx's annotations or not. */
  public TranslatorSettings withNginxAnnotations(boolean on) {
    return new TranslatorSettings(ingressClassName, standalone, controllerName, on);
  }

  public static TranslatorSettings standalone(String ingressClassName) {
    return new TranslatorSettings(ingressClassName, true);
  }

  public static TranslatorSettings cluster(String ingressClassName) {
    return new TranslatorSettings(ingressClassName, false);
  }
}

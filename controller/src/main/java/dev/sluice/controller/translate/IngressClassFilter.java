package dev.sluice.controller.translate;

import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Picks the Ingresses and TLSPassthroughRoutes Sluice serves, oldest first:
 *
 * <ol>
 *   <li>{@code spec.ingressClassName} names an IngressClass whose {@code spec.controller} is the
 *       configured controller name ({@value TranslatorSettings#CONTROLLER_NAME} by default);
 *   <li>otherwise the legacy annotation {@value #LEGACY_ANNOTATION} equals the configured class name;
 *   <li>no class at all, and a Sluice IngressClass carries {@value #DEFAULT_CLASS_ANNOTATION}{@code
 *       : "true"};
 *   <li>standalone mode with no IngressClass objects in the input: everything.
 * </ol>
 *
 * Resources left out are reported as {@link Reason#IngressClassMismatch} (informational).
 */
final class IngressClassFilter implements Processor {
  static final String LEGACY_ANNOTATION = "kubernetes.io/ingress.class";
  static final String DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

  @Override
  public void process(TranslationContext ctx) {
    Set<String> ours = new HashSet<>();
    boolean oursIsDefault = false;
    for (IngressClass c : ctx.state.ingressClasses()) {
      if (c.getSpec() != null
          && ctx.settings.controllerName().equals(c.getSpec().getController())
          && Resources.hasName(c)) {
        ours.add(Resources.name(c));
        oursIsDefault |= "true".equals(Resources.annotation(c, DEFAULT_CLASS_ANNOTATION));
      }
    }
    boolean serveAll = ctx.settings.standalone() && ctx.state.ingressClasses().isEmpty();
    Decider decider =
        new Decider(
            ours,
            oursIsDefault,
            serveAll,
            ctx.settings.ingressClassName(),
            ctx.settings.controllerName());

    List<Ingress> ingresses = new ArrayList<>(ctx.state.ingresses());
    ingresses.sort(Resources.OLDEST_FIRST);
    for (Ingress i : ingresses) {
      String className = i.getSpec() == null ? null : i.getSpec().getIngressClassName();
      if (decide(ctx, "Ingress", i, decider, className)) {
        ctx.ingresses.add(i);
      }
    }
    List<TLSPassthroughRoute> routes = new ArrayList<>(ctx.state.passthroughRoutes());
    routes.sort(Resources.OLDEST_FIRST);
    for (TLSPassthroughRoute r : routes) {
      String className = r.getSpec() == null ? null : r.getSpec().getIngressClassName();
      if (decide(ctx, TLSPassthroughRoute.KIND, r, decider, className)) {
        ctx.passthroughRoutes.add(r);
      }
    }
  }

  private static boolean decide(
      TranslationContext ctx, String kind, HasMetadata o, Decider d, String className) {
    if (!Resources.hasName(o)) {
      ctx.problem(kind, o, Reason.InvalidSpec, "metadata.name is required");
      return false;
    }
    String why = d.rejection(className, Resources.annotation(o, LEGACY_ANNOTATION));
    if (why != null) {
      ctx.problem(kind, o, Reason.IngressClassMismatch, why);
      return false;
    }
    return true;
  }

  private record Decider(
      Set<String> ours, boolean oursIsDefault, boolean serveAll, String legacy, String controller) {
    /** {@code null} when served, else why not. */
    String rejection(String className, String annotation) {
      if (serveAll) {
        return null;
      }
      if (className != null && !className.isEmpty()) {
        return ours.contains(className)
            ? null
            : "ingressClassName \"" + className + "\" is not an IngressClass of controller "
                + controller;
      }
      if (annotation != null && !annotation.isEmpty()) {
        return annotation.equals(legacy)
            ? null
            : "annotation " + LEGACY_ANNOTATION + " is \"" + annotation + "\", not \"" + legacy + "\"";
      }
      return oursIsDefault
          ? null
          : "no ingress class, and no Sluice IngressClass is marked " + DEFAULT_CLASS_ANNOTATION;
    }
  }
}

package dev.sluice.controller.translate;

import dev.sluice.dataplane.snapshot.RoutePolicy;

/**
 * Parses the annotations of one concern ({@code rewrite-target} and {@code use-regex}, the CORS
 * family ...) into its fields of the Ingress's {@link RoutePolicy}. Parsers read only through
 * {@link IngressAnnotations#get} (so ingress-nginx's names work when that is on, and unread
 * annotations are reported) and never fall back to a default silently: a value they cannot serve
 * is thrown as an {@link InvalidAnnotation}, and the Ingress is left out.
 */
interface PolicyAnnotation {

  /**
   * @param a the Ingress's annotations ({@link IngressAnnotations#ingress()}, {@link
   *     IngressAnnotations#context()} for Secrets and Services it names)
   * @param policy the policy being built, shared by the parsers of the Ingress in order
   * @param ingress Ingress-level settings that are not route policy (redirect decisions)
   */
  void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation;
}

package dev.sluice.controller.translate;

/**
 * An annotation value that cannot be served; thrown by a {@link PolicyAnnotation} parser and
 * turned into a {@link ResourceProblem} on the Ingress, which is then left out whole. Built by
 * {@link IngressAnnotations#invalid} so the message always names the annotation and the value.
 */
final class InvalidAnnotation extends Exception {
  private final ResourceProblem.Reason reason;

  InvalidAnnotation(ResourceProblem.Reason reason, String message) {
    super(message, null, false, false); // a user error: no stack trace to fill
    this.reason = reason;
  }

  ResourceProblem.Reason reason() {
    return reason;
  }
}

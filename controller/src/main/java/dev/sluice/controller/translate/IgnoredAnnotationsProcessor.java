package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs last: reports each served Ingress's {@code sluice.dev/} and {@code
 * nginx.ingress.kubernetes.io/} annotations that no processor read (a typo, a policy Sluice does
 * not implement, or ingress-nginx's annotations while reading them is off) as {@link
 * Reason#AnnotationIgnored}: a warning Event, never a silent drop. The Ingress is still served.
 */
final class IgnoredAnnotationsProcessor implements Processor {

  @Override
  public void process(TranslationContext ctx) {
    for (Ingress ing : ctx.ingresses) {
      IngressAnnotations a = ctx.annotations(ing);
      List<String> own = new ArrayList<>();
      List<String> nginx = new ArrayList<>();
      for (String key : a.unread()) {
        (key.startsWith(IngressAnnotations.PREFIX) ? own : nginx).add(key);
      }
      if (!own.isEmpty()) {
        ctx.problem("Ingress", ing, Reason.AnnotationIgnored,
            "unknown annotations ignored: " + String.join(", ", own)
                + " (docs/annotations.md lists what Sluice reads)");
      }
      if (!nginx.isEmpty()) {
        ctx.problem("Ingress", ing, Reason.AnnotationIgnored,
            (a.nginxEnabled()
                    ? "ingress-nginx annotations Sluice does not implement are ignored: "
                    : "ingress-nginx annotations are ignored (--nginx-annotations=true reads the"
                        + " ones Sluice implements): ")
                + String.join(", ", nginx));
      }
    }
  }
}

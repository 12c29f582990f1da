package dev.sluice.controller.translate;

import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.Iterator;

/**
 * Parses every served Ingress's upstream TLS annotations ({@link UpstreamTlsAnnotations}) before
 * anything of the Ingress is translated. An Ingress with an invalid value is taken out of {@link
 * TranslationContext#ingresses}, so none of it (routes, certificates, default backend) is served:
 * half an Ingress, speaking to its backends in a way its author did not ask for, is worse than none.
 */
final class UpstreamTlsProcessor implements Processor {

  @Override
  public void process(TranslationContext ctx) {
    for (Iterator<Ingress> it = ctx.ingresses.iterator(); it.hasNext(); ) {
      Ingress ing = it.next();
      UpstreamTlsAnnotations parsed = UpstreamTlsAnnotations.parse(ctx, ing);
      if (parsed == null) {
        it.remove();
      } else if (parsed != UpstreamTlsAnnotations.NONE) {
        ctx.upstreamTls.put(ing, parsed);
      }
    }
  }
}

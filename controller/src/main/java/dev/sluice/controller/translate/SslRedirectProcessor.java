package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.Iterator;
import java.util.Locale;

/**
 * Reads {@code sluice.dev/ssl-redirect} ({@code "true"} or {@code "false"}; default: TLS hosts
 * redirect plain HTTP to HTTPS). An invalid value takes the whole Ingress out, naming the
 * annotation and the value, like every other annotation: never a silent default.
 */
final class SslRedirectProcessor implements Processor {
  static final String SSL_REDIRECT = "sluice.dev/ssl-redirect";

  @Override
  public void process(TranslationContext ctx) {
    for (Iterator<Ingress> it = ctx.ingresses.iterator(); it.hasNext(); ) {
      Ingress ing = it.next();
      String value = Resources.annotation(ing, SSL_REDIRECT);
      if (value == null) {
        continue;
      }
      switch (value.trim().toLowerCase(Locale.ROOT)) {
        case "true" -> ctx.sslRedirect.put(ing, Boolean.TRUE);
        case "false" -> ctx.sslRedirect.put(ing, Boolean.FALSE);
        default -> {
          ctx.problem(
              "Ingress",
              ing,
              Reason.InvalidSpec,
              "annotation " + SSL_REDIRECT + ": \"" + value
                  + "\": must be \"true\" or \"false\"; the Ingress is not served");
          it.remove();
        }
      }
    }
  }
}

package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.tls.PemKeyMaterial;
import dev.sluice.dataplane.tls.TlsContextException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLS;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Ingress {@code spec.tls} to {@link Certificate}s: one per referenced Secret ({@code
 * namespace/name}), served for every host that any Ingress lists with that Secret. A TLS entry
 * without hosts makes the certificate a default candidate (empty host list). A host that a
 * TLSPassthroughRoute holds is dropped from the certificate: passthrough wins for TLS, the Ingress
 * still serves plain HTTP; both resources are told.
 *
 * <p>Validation (parse the chain, parse the key, check they belong together) costs a signature per
 * Secret, so results are remembered by content hash from one translation to the next; entries no
 * longer used are dropped. The cache makes this processor stateful: one translation at a time.
 */
final class TlsCertificateProcessor implements Processor {
  static final String CERT_KEY = "tls.crt";
  static final String PRIVATE_KEY = "tls.key";

  /** content hash -> "" (valid) or the problem; replaced wholesale after each translation. */
  private Map<String, String> validated = Map.of();

  private static final class Use {
    final TreeSet<String> hosts = new TreeSet<>();
    final List<Ingress> ingresses = new ArrayList<>();
    boolean hostless;
  }

  @Override
  public void process(TranslationContext ctx) {
    Map<String, Use> uses = new TreeMap<>();
    for (Ingress ing : ctx.ingresses) {
      List<IngressTLS> tls = ing.getSpec() == null ? null : ing.getSpec().getTls();
      if (tls == null) {
        continue;
      }
      for (IngressTLS t : tls) {
        if (t == null || t.getSecretName() == null || t.getSecretName().isEmpty()) {
          continue; // SNI routing only; no certificate of its own
        }
        Use use = uses.computeIfAbsent(Resources.namespace(ing) + "/" + t.getSecretName(), k -> new Use());
        if (!use.ingresses.contains(ing)) {
          use.ingresses.add(ing);
        }
        if (t.getHosts() == null || t.getHosts().isEmpty()) {
          use.hostless = true;
        } else {
          for (String h : t.getHosts()) {
            if (h != null && !h.isEmpty()) {
              hostsFor(ctx, ing, h.toLowerCase(Locale.ROOT), use);
            }
          }
        }
      }
    }
    Map<String, String> next = new HashMap<>();
    for (Map.Entry<String, Use> e : uses.entrySet()) {
      certificate(ctx, e.getKey(), e.getValue(), next);
    }
    validated = next;
  }

  private static void hostsFor(TranslationContext ctx, Ingress ing, String host, Use use) {
    String route = ctx.passthroughHosts.get(host);
    if (route == null) {
      use.hosts.add(host);
      return;
    }
    ctx.problem("Ingress", ing, Reason.HostnameConflict,
        "TLS host " + host + " is held by TLSPassthroughRoute " + route
            + "; TLS connections for it are passed through, this Ingress serves it on plain HTTP only");
    int slash = route.indexOf('/');
    ctx.problems.add(new ResourceProblem("TLSPassthroughRoute", route.substring(0, slash),
        route.substring(slash + 1), Reason.HostnameConflict,
        "hostname " + host + " is also a TLS host of Ingress " + Resources.key(ing)
            + "; the passthrough route wins for TLS"));
  }

  private void certificate(TranslationContext ctx, String key, Use use, Map<String, String> next) {
    if (use.hosts.isEmpty() && !use.hostless) {
      return; // every host went to passthrough routes
    }
    int slash = key.indexOf('/');
    if (ctx.acmeDemands.containsKey(key)) {
      // a certificate ACME issued into a store the input does not show (standalone) wins over a
      // Secret in the input: it is the renewal of that Secret
      Certificate issued =
          ctx.acme.issued(key.substring(0, slash), key.substring(slash + 1)).orElse(null);
      if (issued != null) {
        ctx.certificates.add(new Certificate(key, List.copyOf(use.hosts),
            issued.certificateChainPem(), issued.privateKeyPem()));
        return;
      }
    }
    Secret secret = ctx.index.tlsSecret(key.substring(0, slash), key.substring(slash + 1));
    if (secret == null && ctx.acmeDemands.containsKey(key)) {
      for (Ingress ing : use.ingresses) {
        ctx.problem("Ingress", ing, Reason.SecretNotFound, "no Secret of type kubernetes.io/tls named "
            + key + " yet; an ACME certificate is being ordered (the default certificate serves meanwhile)");
      }
      return;
    }
    if (secret == null) {
      for (Ingress ing : use.ingresses) {
        ctx.problem("Ingress", ing, Reason.SecretNotFound,
            "no Secret of type kubernetes.io/tls named " + key);
      }
      return;
    }
    String chain;
    String privateKey;
    try {
      chain = value(secret, CERT_KEY);
      privateKey = value(secret, PRIVATE_KEY);
    } catch (IllegalArgumentException e) {
      report(ctx, use, key, e.getMessage());
      return;
    }
    String hash = sha256(chain + "\n" + privateKey);
    String problem = validated.get(hash);
    if (problem == null) {
      problem = validate(key, chain, privateKey);
    }
    next.put(hash, problem);
    if (!problem.isEmpty()) {
      report(ctx, use, key, problem);
      return;
    }
    ctx.certificates.add(new Certificate(key, List.copyOf(use.hosts), chain, privateKey));
  }

  /** Empty when chain and key are usable; else what is wrong, in one line. */
  private static String validate(String name, String chain, String privateKey) {
    try {
      PemKeyMaterial.parse(new Certificate(name, List.of(), chain, privateKey));
      return "";
    } catch (TlsContextException e) {
      return e.problem().lines().findFirst().orElse("invalid certificate");
    }
  }

  private static void report(TranslationContext ctx, Use use, String key, String problem) {
    for (Ingress ing : use.ingresses) {
      ctx.problem("Ingress", ing, Reason.InvalidCertificate, "Secret " + key + ": " + problem);
    }
  }

  /** {@code stringData} wins over {@code data}, as the API server merges them. */
  static String value(Secret s, String field) {
    Map<String, String> stringData = s.getStringData() == null ? Map.of() : s.getStringData();
    if (stringData.get(field) != null) {
      return stringData.get(field);
    }
    String b64 = s.getData() == null ? null : s.getData().get(field);
    if (b64 == null || b64.isEmpty()) {
      throw new IllegalArgumentException("has no " + field);
    }
    try {
      return new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " is not base64");
    }
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}

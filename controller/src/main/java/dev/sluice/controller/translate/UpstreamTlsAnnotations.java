package dev.sluice.controller.translate;

import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.snapshot.BackendGroup.UpstreamProtocol;
import dev.sluice.dataplane.snapshot.UpstreamTls;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.util.Locale;

/**
 * The upstream TLS annotations of one Ingress, parsed and checked once per translation:
 *
 * <table>
 *   <caption>Annotations</caption>
 *   <tr><th>annotation</th><th>values</th><th>default</th></tr>
 *   <tr><td>{@code sluice.dev/backend-protocol}</td><td>{@code HTTP}, {@code HTTPS}, {@code H2C}
 *       or {@code GRPC} (HTTP/2 cleartext with prior knowledge), {@code H2} or {@code GRPCS}
 *       (HTTP/2 over TLS, ALPN h2); case-insensitive</td><td>the
 *       Service port's {@code appProtocol} ({@code https} means HTTPS, {@code kubernetes.io/h2c}
 *       H2C), else HTTP</td></tr>
 *   <tr><td>{@code sluice.dev/proxy-ssl-verify}</td><td>{@code on}/{@code off} (also
 *       {@code true}/{@code false})</td><td>{@code on}</td></tr>
 *   <tr><td>{@code sluice.dev/proxy-ssl-secret}</td><td>{@code name} or {@code namespace/name} of
 *       a Secret (type Opaque or kubernetes.io/tls) in the Ingress's namespace whose {@code ca.crt}
 *       holds the CA bundle PEM; ignored when verification is off</td><td>the JDK's default
 *       trust store (public CAs)</td></tr>
 *   <tr><td>{@code sluice.dev/proxy-ssl-name}</td><td>a DNS name: sent as SNI and verified
 *       against the certificate</td><td>cluster: {@code service.namespace.svc}; standalone, or an
 *       ExternalName Service: none, so the endpoint's DNS name is used, and for an IP endpoint no
 *       SNI is sent and only the chain is verified</td></tr>
 * </table>
 *
 * <p>The TLS annotations apply to the Ingress's HTTPS and H2 backends only (set by either the
 * annotation or the Service's appProtocol). Any invalid value rejects the whole Ingress with a problem naming
 * the annotation and the value; nothing falls back to a default silently. A Secret in another
 * namespace is refused: an Ingress may only read what its own namespace holds.
 *
 * @param protocol from {@code backend-protocol}, or {@code null} to take each Service port's
 * @param verify {@code proxy-ssl-verify}
 * @param caPem {@code ca.crt} of {@code proxy-ssl-secret}, or {@code null}
 * @param serverName {@code proxy-ssl-name}, or {@code null}
 */
record UpstreamTlsAnnotations(UpstreamProtocol protocol, boolean verify, String caPem, String serverName) {
  static final String BACKEND_PROTOCOL = "backend-protocol";
  static final String PROXY_SSL_VERIFY = "proxy-ssl-verify";
  static final String PROXY_SSL_SECRET = "proxy-ssl-secret";
  static final String PROXY_SSL_NAME = "proxy-ssl-name";
  static final String CA_KEY = "ca.crt";

  /** No annotations: protocol from the Service, verified against the default trust store. */
  static final UpstreamTlsAnnotations NONE = new UpstreamTlsAnnotations(null, true, null, null);

  /**
   * @return the parsed annotations, or {@code null} after recording a problem on {@code ing}
   */
  static UpstreamTlsAnnotations parse(TranslationContext ctx, Ingress ing) {
    IngressAnnotations a = ctx.annotations(ing); // sluice.dev/, or ingress-nginx's when on
    String protocolValue = a.get(BACKEND_PROTOCOL);
    String verifyValue = a.get(PROXY_SSL_VERIFY);
    String secretValue = a.get(PROXY_SSL_SECRET);
    String nameValue = a.get(PROXY_SSL_NAME);
    if (protocolValue == null && verifyValue == null && secretValue == null && nameValue == null) {
      return NONE;
    }
    UpstreamProtocol protocol = null;
    if (protocolValue != null) {
      protocol =
          switch (protocolValue.trim().toUpperCase(Locale.ROOT)) {
            case "HTTP" -> UpstreamProtocol.HTTP;
            case "HTTPS" -> UpstreamProtocol.HTTPS;
            // gRPC is HTTP/2 with trailers; cleartext HTTP/2 carries it unchanged
            case "H2C", "GRPC" -> UpstreamProtocol.H2C;
            // HTTP/2 over TLS (ALPN h2); the proxy-ssl-* annotations apply as for HTTPS
            case "H2", "GRPCS" -> UpstreamProtocol.H2;
            default -> null;
          };
      if (protocol == null) {
        return invalid(ctx, ing, BACKEND_PROTOCOL, protocolValue,
            "must be HTTP, HTTPS, H2C, GRPC, H2 or GRPCS");
      }
    }
    boolean verify = true;
    if (verifyValue != null) {
      switch (verifyValue.trim().toLowerCase(Locale.ROOT)) {
        case "on", "true" -> verify = true;
        case "off", "false" -> verify = false;
        default -> {
          return invalid(ctx, ing, PROXY_SSL_VERIFY, verifyValue, "must be \"on\" or \"off\"");
        }
      }
    }
    String serverName = null;
    if (nameValue != null) {
      serverName = nameValue.trim().toLowerCase(Locale.ROOT);
      if (!UpstreamTls.isDnsName(serverName)) {
        return invalid(ctx, ing, PROXY_SSL_NAME, nameValue, "must be a DNS name");
      }
    }
    String caPem = null;
    if (secretValue != null && verify) {
      caPem = caBundle(ctx, ing, secretValue);
      if (caPem == null) {
        return null;
      }
    }
    return new UpstreamTlsAnnotations(protocol, verify, caPem, serverName);
  }

  /**
   * The TLS settings for an HTTPS or H2 backend of this Ingress.
   *
   * @param externalName the backend is an ExternalName Service (its DNS name is the endpoint)
   */
  UpstreamTls tlsFor(TranslationContext ctx, String namespace, String service, boolean externalName) {
    if (!verify) {
      return new UpstreamTls(false, null, serverName);
    }
    String name = serverName;
    if (name == null && !ctx.settings.standalone() && !externalName) {
      name = service + "." + namespace + ".svc"; // the name cluster-issued backend certs carry
    }
    return new UpstreamTls(true, caPem, name);
  }

  private static String caBundle(TranslationContext ctx, Ingress ing, String value) {
    String ns = Resources.namespace(ing);
    String ref = value.trim();
    String name = ref;
    int slash = ref.indexOf('/');
    if (slash >= 0) {
      if (!ref.substring(0, slash).equals(ns)) {
        invalid(ctx, ing, PROXY_SSL_SECRET, value,
            "the Secret must be in the Ingress's namespace \"" + ns + "\"");
        return null;
      }
      name = ref.substring(slash + 1);
    }
    if (name.isEmpty() || name.indexOf('/') >= 0) {
      invalid(ctx, ing, PROXY_SSL_SECRET, value, "must be \"name\" or \"namespace/name\"");
      return null;
    }
    Secret secret = ctx.index.secret(ns, name);
    if (secret == null) {
      problem(ctx, ing, Reason.SecretNotFound, PROXY_SSL_SECRET, value,
          "no Secret " + ns + "/" + name);
      return null;
    }
    String type = secret.getType();
    if (type != null && !type.equals("Opaque") && !type.equals(ClusterIndex.TLS_SECRET_TYPE)) {
      invalid(ctx, ing, PROXY_SSL_SECRET, value,
          "Secret " + ns + "/" + name + " is of type " + type + ", not Opaque or kubernetes.io/tls");
      return null;
    }
    String pem;
    try {
      pem = TlsCertificateProcessor.value(secret, CA_KEY);
    } catch (IllegalArgumentException e) {
      problem(ctx, ing, Reason.InvalidCertificate, PROXY_SSL_SECRET, value,
          "Secret " + ns + "/" + name + " " + e.getMessage());
      return null;
    }
    String problem = caProblem(pem);
    if (problem != null) {
      problem(ctx, ing, Reason.InvalidCertificate, PROXY_SSL_SECRET, value,
          "Secret " + ns + "/" + name + " " + CA_KEY + " " + problem);
      return null;
    }
    return pem;
  }

  /** Why {@code pem} is no usable CA bundle, or {@code null}. */
  static String caProblem(String pem) {
    if (pem.isBlank()) {
      return "is empty";
    }
    try {
      int n =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
              .size();
      return n == 0 ? "holds no certificate" : null;
    } catch (Exception e) {
      return "is not a PEM certificate bundle (" + e.getMessage() + ")";
    }
  }

  private static UpstreamTlsAnnotations invalid(
      TranslationContext ctx, Ingress ing, String annotation, String value, String why) {
    problem(ctx, ing, Reason.InvalidSpec, annotation, value, why);
    return null;
  }

  private static void problem(
      TranslationContext ctx, Ingress ing, Reason reason, String annotation, String value, String why) {
    ctx.problem("Ingress", ing, reason,
        "annotation " + ctx.annotations(ing).key(annotation) + ": \"" + value + "\": " + why
            + "; the Ingress is not served");
  }
}

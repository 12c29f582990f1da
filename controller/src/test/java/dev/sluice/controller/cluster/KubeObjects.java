package dev.sluice.controller.cluster;

import dev.sluice.controller.crd.TLSPassthroughRoute;
import dev.sluice.dataplane.snapshot.Certificate;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressTLSBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The objects the cluster tests write, as the YAML a user would (namespace left out: the test's
 * {@code apply} sets it). Each call returns a fresh object the caller may change.
 */
final class KubeObjects {
  private KubeObjects() {}

  static <T> T load(Class<T> type, String yaml) {
    return Serialization.unmarshal(yaml, type);
  }

  static IngressClass ingressClass() {
    return load(IngressClass.class, """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: {name: sluice}
        spec: {controller: sluice.dev/ingress-controller}
        """);
  }

  /** Port 80 named {@code http}, to the endpoints' port named {@code http}. */
  static Service service(String name) {
    return service(name, "http");
  }

  /** Port 80 named {@code http}, to the endpoints' port named {@code targetPort}. */
  static Service service(String name, String targetPort) {
    return load(Service.class, """
        apiVersion: v1
        kind: Service
        metadata: {name: %s}
        spec:
          ports:
          - {name: http, port: 80, targetPort: %s}
        """.formatted(name, targetPort));
  }

  /** One endpoint at {@link KubeEnv#backendAddress()} with the port {@code http}. */
  static EndpointSlice slice(String svc, int port, boolean ready) {
    return load(EndpointSlice.class, """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %s-1
          labels: {kubernetes.io/service-name: %s}
        addressType: IPv4
        ports:
        - {name: http, port: %d, protocol: TCP}
        endpoints:
        - addresses: [%s]
          conditions: {ready: %s, serving: %s}
        """.formatted(svc, svc, port, KubeEnv.backendAddress(), ready, ready));
  }

  /** One ready endpoint with two named ports, {@code http} and {@code alt}. */
  static EndpointSlice twoPortSlice(String svc, int httpPort, int altPort) {
    return load(EndpointSlice.class, """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %s-1
          labels: {kubernetes.io/service-name: %s}
        addressType: IPv4
        ports:
        - {name: http, port: %d, protocol: TCP}
        - {name: alt, port: %d, protocol: TCP}
        endpoints:
        - addresses: [%s]
          conditions: {ready: true, serving: true}
        """.formatted(svc, svc, httpPort, altPort, KubeEnv.backendAddress()));
  }

  static Ingress ingress(String name, String host, String path, String svc) {
    return load(Ingress.class, """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: %s}
        spec:
          ingressClassName: sluice
          rules:
          - host: %s
            http:
              paths:
              - path: %s
                pathType: Prefix
                backend:
                  service: {name: %s, port: {number: 80}}
        """.formatted(name, host, path, svc));
  }

  static Ingress ingressWithTls(String name, String host, String svc, String secret) {
    Ingress i = ingress(name, host, "/", svc);
    i.getSpec().setTls(List.of(new IngressTLSBuilder().withHosts(host).withSecretName(secret).build()));
    return i;
  }

  static Secret tlsSecret(String name, Certificate c) {
    Base64.Encoder b64 = Base64.getEncoder();
    return new SecretBuilder().withNewMetadata().withName(name).endMetadata()
        .withType("kubernetes.io/tls")
        .addToData("tls.crt", b64.encodeToString(c.certificateChainPem().getBytes(StandardCharsets.UTF_8)))
        .addToData("tls.key", b64.encodeToString(c.privateKeyPem().getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  /** An Opaque Secret holding {@code ca.crt}: a CA bundle for {@code sluice.dev/proxy-ssl-secret}. */
  static Secret caSecret(String name, String caPem) {
    return new SecretBuilder().withNewMetadata().withName(name).endMetadata()
        .withType("Opaque")
        .addToData("ca.crt", Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  static TLSPassthroughRoute route(String ns, String name, String host, String svc) {
    TLSPassthroughRoute r = load(TLSPassthroughRoute.class, """
        apiVersion: sluice.dev/v1alpha1
        kind: TLSPassthroughRoute
        metadata: {name: %s}
        spec:
          ingressClassName: sluice
          hostnames: [%s]
          backends:
          - {service: %s, port: 80}
        """.formatted(name, host, svc));
    r.getMetadata().setNamespace(ns);
    return r;
  }
}

package dev.sluice.controller.acme;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cluster mode's {@link CertificateStore}: each certificate is the Secret the Ingress names (type
 * {@code kubernetes.io/tls}, {@code tls.crt} = full chain, {@code tls.key}), annotated with {@value
 * #ISSUER}, {@value #NOT_AFTER} and {@value #NAMES}, so every replica's informer picks it up and
 * serves it; the account key is an Opaque Secret {@code sluice-acme-account-<hash of the directory
 * URL>} in Sluice's own namespace.
 *
 * <p>A Secret that exists is updated in place (its other labels and annotations are kept); one
 * that does not is created. Thread-safe (the fabric8 client is).
 */
public final class SecretCertificateStore implements CertificateStore {
  public static final String ISSUER = "sluice.dev/acme-issuer";
  public static final String NOT_AFTER = "sluice.dev/acme-not-after";
  public static final String NAMES = "sluice.dev/acme-names";
  static final String ACCOUNT_KEY = "account.key";

  private final KubernetesClient client;
  private final String accountNamespace;

  /** @param accountNamespace where the account key Secret lives (Sluice's namespace) */
  public SecretCertificateStore(KubernetesClient client, String accountNamespace) {
    this.client = client;
    this.accountNamespace = accountNamespace;
  }

  @Override
  public Optional<StoredCertificate> read(String namespace, String name) throws IOException {
    Secret s = get(namespace, name);
    if (s == null || s.getData() == null || s.getData().get("tls.crt") == null) {
      return Optional.empty();
    }
    Map<String, String> a = s.getMetadata().getAnnotations() == null
        ? Map.of() : s.getMetadata().getAnnotations();
    String chain = decode(s.getData().get("tls.crt"));
    String key = s.getData().get("tls.key") == null ? "" : decode(s.getData().get("tls.key"));
    var leaf = StoredCertificate.leaf(chain);
    Instant notAfter;
    try {
      notAfter = a.get(NOT_AFTER) != null ? Instant.parse(a.get(NOT_AFTER))
          : leaf != null ? leaf.getNotAfter().toInstant() : Instant.EPOCH;
    } catch (DateTimeParseException e) {
      notAfter = leaf != null ? leaf.getNotAfter().toInstant() : Instant.EPOCH;
    }
    List<String> names = a.get(NAMES) != null
        ? Arrays.stream(a.get(NAMES).split(",")).map(String::strip).filter(n -> !n.isEmpty()).toList()
        : leaf != null ? StoredCertificate.dnsNames(leaf) : List.of();
    return Optional.of(new StoredCertificate(chain, key, a.getOrDefault(ISSUER, ""), notAfter, names));
  }

  @Override
  public void write(String namespace, String name, StoredCertificate c) throws IOException {
    Map<String, String> data = Map.of("tls.crt", encode(c.chainPem()), "tls.key", encode(c.keyPem()));
    Map<String, String> annotations = Map.of(ISSUER, c.issuer(), NOT_AFTER, c.notAfter().toString(),
        NAMES, String.join(",", c.names()));
    try {
      Secret existing = get(namespace, name);
      if (existing == null) {
        client.secrets().inNamespace(namespace).resource(new SecretBuilder()
            .withNewMetadata().withNamespace(namespace).withName(name)
            .addToAnnotations(annotations)
            .addToLabels("app.kubernetes.io/managed-by", "sluice")
            .endMetadata()
            .withType("kubernetes.io/tls").withData(data).build()).create();
      } else {
        client.secrets().inNamespace(namespace).withName(name).edit(s -> new SecretBuilder(s)
            .editMetadata().addToAnnotations(annotations).endMetadata()
            .withType("kubernetes.io/tls").withData(data).withStringData(null).build());
      }
    } catch (KubernetesClientException e) {
      throw new IOException("cannot write Secret " + namespace + "/" + name + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<String> readAccountKey(String issuer) throws IOException {
    Secret s = get(accountNamespace, accountSecretName(issuer));
    if (s == null || s.getData() == null || s.getData().get(ACCOUNT_KEY) == null) {
      return Optional.empty();
    }
    return Optional.of(decode(s.getData().get(ACCOUNT_KEY)));
  }

  @Override
  public void writeAccountKey(String issuer, String keyPairPem) throws IOException {
    try {
      client.secrets().inNamespace(accountNamespace).resource(new SecretBuilder()
          .withNewMetadata().withNamespace(accountNamespace).withName(accountSecretName(issuer))
          .addToAnnotations(ISSUER, issuer)
          .addToLabels("app.kubernetes.io/managed-by", "sluice")
          .endMetadata()
          .withType("Opaque").withData(Map.of(ACCOUNT_KEY, encode(keyPairPem))).build())
          .createOr(r -> r.update());
    } catch (KubernetesClientException e) {
      throw new IOException("cannot write the ACME account Secret: " + e.getMessage(), e);
    }
  }

  static String accountSecretName(String issuer) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(issuer.getBytes(StandardCharsets.UTF_8));
      return "sluice-acme-account-" + HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private Secret get(String namespace, String name) throws IOException {
    try {
      return client.secrets().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new IOException("cannot read Secret " + namespace + "/" + name + ": " + e.getMessage(), e);
    }
  }

  private static String encode(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String b64) {
    return new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.UTF_8);
  }
}

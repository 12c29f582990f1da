package dev.sluice.controller.acme;

import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Certificate;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode's hand-over of pending ACME challenges from the leader (who orders) to every replica
 * (any of which the load balancer may send the CA's validation request to): one Opaque Secret
 * {@value #NAME} in Sluice's own namespace. The leader {@link #publish}es the whole set whenever it
 * changes; every replica's cache watches this one Secret by name and the translator {@link
 * #decode}s it into the snapshot's {@link AcmeChallenges}.
 *
 * <p>Data keys (Secret keys allow only {@code [-._a-zA-Z0-9]}): {@code http-01.<token>} = key
 * authorization (tokens are base64url, RFC 8555 §8.3); {@code tls-alpn-01.<host>.crt} and {@code
 * tls-alpn-01.<host>.key} = the challenge certificate and its key in PEM (host names are lower-case
 * LDH labels). An empty set empties the Secret. Entries that do not fit these forms are skipped, so
 * a hand-edited Secret cannot break a translation.
 *
 * <p>Thread-safe (the fabric8 client is); {@link #publish} blocks on the API server, so it runs on
 * the ACME thread only.
 */
public final class ChallengeSecret {
  public static final String NAME = "sluice-acme-challenges";
  static final String HTTP01 = "http-01.";
  static final String ALPN = "tls-alpn-01.";
  static final String CRT = ".crt";
  static final String KEY = ".key";
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern HOST = Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?");
  private static final Logger log = LoggerFactory.getLogger(ChallengeSecret.class);

  private final KubernetesClient client;
  private final String namespace;
  private final Supplier<AcmeChallenges> observed;
  /** Whether this publisher's last write left challenges in the Secret. */
  private volatile boolean wroteData;

  /**
   * @param namespace Sluice's own namespace (the lease namespace)
   * @param observed the Secret's content as this replica's cache sees it
   */
  public ChallengeSecret(KubernetesClient client, String namespace, Supplier<AcmeChallenges> observed) {
    this.client = Objects.requireNonNull(client, "client");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.observed = Objects.requireNonNull(observed, "observed");
  }

  public String namespace() {
    return namespace;
  }

  /**
   * Makes the Secret hold exactly {@code challenges}. An empty set leaves the Secret with no data
   * rather than deleting it, so Sluice needs no delete right on Secrets. A failed write is
   * logged, not thrown: the issuer's wait for the challenge to be served then fails the order with
   * a clear message and the order is retried.
   */
  public void publish(AcmeChallenges challenges) {
    try {
      if (challenges.isEmpty() && !wroteData && observed.get().isEmpty()) {
        // Nothing to clear, as far as this replica knows: the empty set published on every change
        // of leader costs no write, and Sluice without ACME never creates the Secret (nor needs the
        // right to). Should the cache not have listed a predecessor's leftovers yet, the next order
        // replaces the whole set anyway.
        return;
      }
      client.secrets().inNamespace(namespace).resource(new SecretBuilder()
          .withNewMetadata().withNamespace(namespace).withName(NAME)
          .addToLabels("app.kubernetes.io/managed-by", "sluice")
          .endMetadata()
          .withType("Opaque").withData(encode(challenges)).build())
          .createOr(r -> r.update());
      wroteData = !challenges.isEmpty();
    } catch (KubernetesClientException e) {
      log.warn("cannot write the ACME challenges to Secret {}/{}: {}", namespace, NAME, e.getMessage());
    }
  }

  /** The Secret's data for {@code challenges}; entries whose token or host cannot be a key are left out. */
  static Map<String, String> encode(AcmeChallenges challenges) {
    Map<String, String> data = new TreeMap<>();
    challenges.http01().forEach((token, keyAuthorization) -> {
      if (TOKEN.matcher(token).matches()) {
        data.put(HTTP01 + token, b64(keyAuthorization));
      } else {
        log.warn("ACME token {} cannot be a Secret key; not published", token);
      }
    });
    challenges.tlsAlpn01().forEach((host, cert) -> {
      if (HOST.matcher(host).matches()) {
        data.put(ALPN + host + CRT, b64(cert.certificateChainPem()));
        data.put(ALPN + host + KEY, b64(cert.privateKeyPem()));
      } else {
        log.warn("host {} cannot be a Secret key; its tls-alpn-01 challenge is not published", host);
      }
    });
    return data;
  }

  /** The challenges in {@code secret} ({@code null}: none). */
  public static AcmeChallenges decode(Secret secret) {
    if (secret == null || secret.getData() == null || secret.getData().isEmpty()) {
      return AcmeChallenges.empty();
    }
    Map<String, String> http01 = new HashMap<>();
    Map<String, String> crts = new HashMap<>();
    Map<String, String> keys = new HashMap<>();
    for (Map.Entry<String, String> e : secret.getData().entrySet()) {
      String k = e.getKey();
      String value = unb64(e.getValue());
      if (value == null) {
        continue;
      }
      if (k.startsWith(HTTP01) && TOKEN.matcher(k.substring(HTTP01.length())).matches()) {
        http01.put(k.substring(HTTP01.length()), value);
      } else if (k.startsWith(ALPN) && k.endsWith(CRT)) {
        crts.put(k.substring(ALPN.length(), k.length() - CRT.length()), value);
      } else if (k.startsWith(ALPN) && k.endsWith(KEY)) {
        keys.put(k.substring(ALPN.length(), k.length() - KEY.length()), value);
      }
    }
    Map<String, Certificate> alpn = new HashMap<>();
    crts.forEach((host, crt) -> {
      String key = keys.get(host);
      if (key != null && HOST.matcher(host).matches()) {
        alpn.put(host, new Certificate("acme-tls-alpn-01/" + host, List.of(host), crt, key));
      }
    });
    return new AcmeChallenges(http01, alpn);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String unb64(String b64) {
    if (b64 == null) {
      return null;
    }
    try {
      return new String(Base64.getMimeDecoder().decode(b64), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null; // not base64: skipped like any other malformed entry
    }
  }
}

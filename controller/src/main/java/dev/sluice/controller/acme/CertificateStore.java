package dev.sluice.controller.acme;

import java.io.IOException;
import java.util.Optional;

/**
 * Where issued certificates and the ACME account key live, so a restart or another replica reuses
 * them instead of ordering again: Kubernetes Secrets in a cluster ({@link SecretCertificateStore}),
 * a state directory in standalone mode ({@link DirectoryCertificateStore}). Certificates are
 * addressed like the Secret an Ingress names ({@code namespace}, {@code name}).
 *
 * <p>Implementations are thread-safe; calls block (API server or disk), so they are made from the
 * ACME thread, never from an event loop.
 */
public interface CertificateStore {
  Optional<StoredCertificate> read(String namespace, String name) throws IOException;

  void write(String namespace, String name, StoredCertificate certificate) throws IOException;

  /** The account key (PEM key pair) used with {@code issuer}, the directory URL. */
  Optional<String> readAccountKey(String issuer) throws IOException;

  void writeAccountKey(String issuer, String keyPairPem) throws IOException;
}

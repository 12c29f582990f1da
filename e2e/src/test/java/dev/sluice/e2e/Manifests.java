package dev.sluice.e2e;

import java.util.stream.Collectors;

/** YAML pieces the scenarios' manifests share, written as a user writes them. */
final class Manifests {
  private Manifests() {}

  /** {@code text}'s lines indented by four spaces: a block scalar under a two-space key. */
  static String indent(String text) {
    return text.strip().lines().map(l -> "    " + l).collect(Collectors.joining("\n"));
  }

  /** A {@code kubernetes.io/tls} Secret document (no separator) holding a chain and its key. */
  static String tlsSecret(String namespace, String name, String chainPem, String keyPem) {
    return """
        apiVersion: v1
        kind: Secret
        metadata: {name: %s, namespace: %s}
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
        %s
          tls.key: |
        %s"""
        .formatted(name, namespace, indent(chainPem), indent(keyPem));
  }
}

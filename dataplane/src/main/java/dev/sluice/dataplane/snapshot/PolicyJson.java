package dev.sluice.dataplane.snapshot;

/**
 * The JSON of a route's policies for {@code /snapshot} and the translator's golden files: a policy
 * that is {@code NONE} is left out, so a route without it reads as before. Secrets (password
 * hashes, keys) are never printed: a fingerprint or a count stands in for them.
 */
final class PolicyJson {
  private PolicyJson() {}

  static void write(SnapshotJson.Writer w, RoutePolicy p) {
    if (!p.redirect().isNone()) {
      w.name("redirect");
      redirect(w, p.redirect());
    }
    if (!p.rewrite().isNone()) {
      w.name("rewrite");
      rewrite(w, p.rewrite());
    }
    if (!p.headers().isNone()) {
      w.name("headers");
      headers(w, p.headers());
    }
    if (!p.cors().isNone()) {
      w.name("cors");
      cors(w, p.cors());
    }
    if (!p.transfer().isNone()) {
      w.name("transfer");
      transfer(w, p.transfer());
    }
    if (!p.access().isNone()) {
      w.name("access");
      access(w, p.access());
    }
    if (!p.jwt().isNone()) {
      w.name("jwt");
      jwt(w, p.jwt());
    }
    if (!p.compression().isNone()) {
      w.name("compression");
      compression(w, p.compression());
    }
    if (!p.errorPages().isNone()) {
      w.name("errorPages");
      errorPages(w, p.errorPages());
    }
  }

  private static void redirect(SnapshotJson.Writer w, RedirectPolicy v) {
    w.string(v.toString());
  }

  private static void rewrite(SnapshotJson.Writer w, RewritePolicy v) {
    w.string(v.toString());
  }

  private static void headers(SnapshotJson.Writer w, HeaderPolicy v) {
    w.string(v.toString());
  }

  private static void cors(SnapshotJson.Writer w, CorsPolicy v) {
    w.string(v.toString());
  }

  private static void transfer(SnapshotJson.Writer w, TransferPolicy v) {
    w.string(v.toString());
  }

  private static void access(SnapshotJson.Writer w, AccessPolicy v) {
    w.string(v.toString());
  }

  private static void jwt(SnapshotJson.Writer w, JwtPolicy v) {
    w.beginObject();
    if (v.keySet() != null) {
      // never the keys themselves (HMAC keys are secrets): a fingerprint shows that they changed
      w.name("keySetSha256").string(sha256(v.keySet()));
    }
    if (v.jwksUrl() != null) {
      w.name("jwksUrl").string(v.jwksUrl().toString());
    }
    if (v.issuer() != null) {
      w.name("issuer").string(v.issuer());
    }
    if (!v.audiences().isEmpty()) {
      w.name("audiences").strings(v.audiences());
    }
    w.name("clockSkewSeconds").raw(Long.toString(v.clockSkew().toSeconds()));
    if (!v.claimHeaders().isEmpty()) {
      w.name("claimsToHeaders").beginArray();
      for (JwtPolicy.ClaimHeader c : v.claimHeaders()) {
        w.string(c.claim() + ":" + c.header());
      }
      w.endArray();
    }
    if (v.cookie() != null) {
      w.name("cookie").string(v.cookie());
    }
    if (v.queryParam() != null) {
      w.name("queryParam").string(v.queryParam());
    }
    w.endObject();
  }

  /** The first 16 hex digits of the SHA-256 of {@code s}: enough to tell two key sets apart. */
  static String sha256(String s) {
    try {
      byte[] d =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JDK has SHA-256
    }
  }

  private static void compression(SnapshotJson.Writer w, CompressionPolicy v) {
    w.beginObject();
    w.name("encodings").strings(v.encodings());
    w.name("types").strings(v.types().stream().sorted().toList());
    w.name("minLength").raw(Long.toString(v.minLength()));
    w.endObject();
  }

  private static void errorPages(SnapshotJson.Writer w, ErrorPagePolicy v) {
    w.beginObject();
    w.name("codes").raw(v.codes().toString());
    w.name("backend").string(v.backend().name());
    w.name("endpoints").raw(Integer.toString(v.backend().endpoints().size()));
    w.name("ingress").string(v.namespace() + "/" + v.ingressName());
    w.endObject();
  }
}

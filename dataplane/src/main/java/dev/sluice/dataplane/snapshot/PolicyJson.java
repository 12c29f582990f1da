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
    w.beginObject();
    if (v.url() != null) {
      w.name("url").string(v.url());
      w.name("code").raw(Integer.toString(v.code()));
    }
    if (v.appRoot() != null) {
      w.name("appRoot").string(v.appRoot());
    }
    w.endObject();
  }

  private static void rewrite(SnapshotJson.Writer w, RewritePolicy v) {
    w.beginObject();
    if (v.target() != null) {
      w.name("target").string(v.target());
    }
    w.name("regex").raw(Boolean.toString(v.regex()));
    if (v.upstreamVhost() != null) {
      w.name("upstreamVhost").string(v.upstreamVhost());
    }
    if (v.forwardedPrefix() != null) {
      w.name("forwardedPrefix").string(v.forwardedPrefix());
    }
    w.endObject();
  }

  private static void headers(SnapshotJson.Writer w, HeaderPolicy v) {
    w.beginObject();
    w.name("requestRemove").strings(v.requestRemove());
    w.name("requestSet").strings(lines(v.requestSet()));
    w.name("requestAdd").strings(lines(v.requestAdd()));
    w.name("responseRemove").strings(v.responseRemove());
    w.name("responseSet").strings(lines(v.responseSet()));
    w.name("responseAdd").strings(lines(v.responseAdd()));
    w.endObject();
  }

  private static java.util.List<String> lines(java.util.List<HeaderPolicy.Header> headers) {
    return headers.stream().map(h -> h.name() + ": " + h.value()).toList();
  }

  private static void cors(SnapshotJson.Writer w, CorsPolicy v) {
    w.beginObject();
    w.name("allowOrigins").strings(v.allowOrigins());
    w.name("allowMethods").string(v.allowMethods());
    w.name("allowHeaders").string(v.allowHeaders());
    w.name("exposeHeaders").string(v.exposeHeaders());
    w.name("allowCredentials").raw(Boolean.toString(v.allowCredentials()));
    w.name("maxAge").string(SnapshotJson.duration(v.maxAge()));
    w.endObject();
  }

  private static void transfer(SnapshotJson.Writer w, TransferPolicy v) {
    w.beginObject();
    if (v.readTimeout() != null) {
      w.name("readTimeout").string(SnapshotJson.duration(v.readTimeout()));
    }
    if (v.sendTimeout() != null) {
      w.name("sendTimeout").string(SnapshotJson.duration(v.sendTimeout()));
    }
    w.name("maxBodySize").raw(Long.toString(v.maxBodySize()));
    w.endObject();
  }

  private static void access(SnapshotJson.Writer w, AccessPolicy v) {
    w.beginObject();
    if (v.sourceRanges() != null) {
      w.name("sourceRanges").beginObject();
      w.name("allow").strings(v.sourceRanges().allow());
      w.name("deny").strings(v.sourceRanges().deny());
      w.endObject();
    }
    if (v.basicAuth() != null) { // the hashes are secrets: only how many users there are
      w.name("basicAuth").beginObject();
      w.name("realm").string(v.basicAuth().realm());
      w.name("users").raw(Integer.toString(v.basicAuth().users().size()));
      w.endObject();
    }
    if (v.externalAuth() != null) {
      AccessPolicy.ExternalAuth e = v.externalAuth();
      w.name("externalAuth").beginObject();
      w.name("url").string(e.url().toString());
      w.name("method").string(e.method());
      w.name("responseHeaders").strings(e.responseHeaders());
      if (e.signin() != null) {
        w.name("signin").string(e.signin());
      }
      w.name("timeoutMs").raw(Long.toString(e.timeout().toMillis()));
      if (e.cache() != null) {
        w.name("cache").beginObject();
        w.name("key").string(e.cache().key());
        w.name("statuses").raw(e.cache().statuses().toString());
        w.name("ttlMs").raw(Long.toString(e.cache().ttl().toMillis()));
        w.endObject();
      }
      if (e.tls() != null) {
        w.name("tlsVerify").raw(Boolean.toString(e.tls().verify()));
        if (e.tls().caPem() != null) {
          w.name("caSha256").string(e.tls().caSha256());
        }
      }
      w.endObject();
    }
    if (v.rateLimits() != null) {
      AccessPolicy.RateLimits r = v.rateLimits();
      w.name("rateLimits").beginObject();
      w.name("rps").raw(Integer.toString(r.rps()));
      w.name("rpm").raw(Integer.toString(r.rpm()));
      w.name("burstMultiplier").raw(Integer.toString(r.burstMultiplier()));
      w.name("connections").raw(Integer.toString(r.connections()));
      w.endObject();
    }
    w.endObject();
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

package dev.sluice.dataplane.snapshot;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * Renders a {@link Snapshot} as stable, pretty JSON: keys in a fixed order, two-space indent, one
 * value per line, so that a diff of two renderings shows exactly what changed. This is what the
 * admin {@code /snapshot} endpoint shows and what the translator's golden files hold.
 *
 * <p>Private keys are never written. A certificate appears as its name, hosts, the leaf's subject,
 * DNS SANs and expiry, and the SHA-256 of the chain PEM (to tell two versions apart). ACME
 * challenges appear only while there are any: HTTP-01 tokens (public: the validator fetches them
 * over plain HTTP) and the host names of TLS-ALPN-01 certificates, never their keys. Durations are
 * written as {@code 1h30m}, {@code 5s}, {@code 250ms}.
 *
 * <p>Stateless and thread-safe.
 */
public final class SnapshotJson {
  private SnapshotJson() {}

  public static String render(Snapshot s) {
    Writer w = new Writer();
    w.beginObject();
    w.name("version").raw(Long.toString(s.version()));
    w.name("builtAt").string(s.builtAt().toString());
    w.name("virtualHosts").beginArray();
    for (VirtualHost vh : s.virtualHosts()) {
      w.beginObject();
      w.name("hostname").string(vh.hostname());
      w.name("routes").beginArray();
      for (HttpRoute r : vh.routes()) {
        route(w, r);
      }
      w.endArray();
      w.endObject();
    }
    w.endArray();
    w.name("passthrough").beginArray();
    for (PassthroughRoute p : s.passthrough()) {
      w.beginObject();
      w.name("name").string(p.name());
      w.name("hostnames").strings(p.hostnames());
      w.name("proxyProtocol").string(p.proxyProtocol().name());
      w.name("connectTimeout").string(duration(p.connectTimeout()));
      w.name("idleTimeout").string(duration(p.idleTimeout()));
      w.name("backend");
      backend(w, p.backend(), false); // relayed as bytes: Sluice speaks no TLS to it
      w.endObject();
    }
    w.endArray();
    w.name("certificates").beginArray();
    for (Certificate c : s.certificates()) {
      certificate(w, c);
    }
    w.endArray();
    if (!s.acmeChallenges().isEmpty()) {
      // only while an order is validated, so snapshots without ACME render as before
      w.name("acmeChallenges").beginObject();
      w.name("http01Tokens").strings(s.acmeChallenges().http01().keySet().stream().sorted().toList());
      w.name("tlsAlpn01Hosts")
          .strings(s.acmeChallenges().tlsAlpn01().keySet().stream().sorted().toList());
      w.endObject();
    }
    w.endObject();
    return w.toString();
  }

  private static void route(Writer w, HttpRoute r) {
    w.beginObject();
    w.name("name").string(r.name());
    w.name("pathType").string(r.pathType().name());
    w.name("path").string(r.path());
    w.name("backend");
    backend(w, r.backend(), true);
    if (r.canary() != null) { // left out when absent, so routes without one render as before
      Canary c = r.canary();
      w.name("canary").beginObject();
      w.name("weight").raw(Integer.toString(c.weight()));
      w.name("weightTotal").raw(Integer.toString(c.weightTotal()));
      w.name("header").string(c.header());
      w.name("headerValue").string(c.headerValue());
      w.name("cookie").string(c.cookie());
      w.name("backend");
      backend(w, c.backend(), true);
      w.endObject();
    }
    RoutePolicy p = r.policy();
    w.name("policy").beginObject();
    w.name("connectTimeout").string(duration(p.connectTimeout()));
    w.name("responseHeaderTimeout").string(duration(p.responseHeaderTimeout()));
    w.name("upgradedIdleTimeout").string(duration(p.upgradedIdleTimeout()));
    w.name("sslRedirect").raw(Boolean.toString(p.sslRedirect()));
    w.name("hsts");
    if (p.hsts() == null) {
      w.raw("null");
    } else {
      w.string(p.hsts().headerValue());
    }
    PolicyJson.write(w, p);
    w.endObject();
    w.endObject();
  }

  private static void backend(Writer w, BackendGroup b, boolean showTls) {
    w.beginObject();
    w.name("name").string(b.name());
    w.name("loadBalancing").string(b.loadBalancing().name());
    w.name("protocol").string(b.protocol().name());
    if (b.hashBy() != null) {
      w.name("hashBy").string(b.hashBy().toString());
    }
    if (b.affinity() != null) {
      CookieAffinity a = b.affinity();
      w.name("affinity").string("cookie " + a.name() + "=<endpoint>" + a.attributes());
    }
    if (showTls && b.tls() != null) {
      // shown only for TLS (HTTPS, H2) backends; the CA by fingerprint, never as PEM
      UpstreamTls t = b.tls();
      w.name("tls").beginObject();
      w.name("verify").raw(Boolean.toString(t.verify()));
      w.name("caSha256").string(t.caSha256());
      w.name("serverName").string(t.serverName());
      w.endObject();
    }
    w.name("endpoints").beginArray();
    for (Endpoint e : b.endpoints()) {
      w.beginObject();
      w.name("address").string(e.address());
      w.name("port").raw(Integer.toString(e.port()));
      w.name("weight").raw(Integer.toString(e.weight()));
      w.name("ready").raw(Boolean.toString(e.ready()));
      w.endObject();
    }
    w.endArray();
    w.endObject();
  }

  private static void certificate(Writer w, Certificate c) {
    w.beginObject();
    w.name("name").string(c.name());
    w.name("hostnames").strings(c.hostnames());
    X509Certificate leaf = leaf(c.certificateChainPem());
    w.name("subject");
    if (leaf == null) {
      w.raw("null");
      w.name("dnsNames").strings(List.of());
      w.name("notAfter").raw("null");
    } else {
      w.string(leaf.getSubjectX500Principal().getName());
      w.name("dnsNames").strings(dnsNames(leaf));
      w.name("notAfter").string(leaf.getNotAfter().toInstant().toString());
    }
    w.name("chainSha256").string(sha256(c.certificateChainPem()));
    w.endObject();
  }

  /**
   * Expiry of the certificate's leaf, or {@code null} when its PEM cannot be parsed. The admin page
   * shows it next to what {@link #render} prints, from the same parse.
   */
  public static java.time.Instant notAfter(Certificate c) {
    X509Certificate leaf = leaf(c.certificateChainPem());
    return leaf == null ? null : leaf.getNotAfter().toInstant();
  }

  private static X509Certificate leaf(String pem) {
    try {
      Collection<? extends java.security.cert.Certificate> certs =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
      for (java.security.cert.Certificate cert : certs) {
        if (cert instanceof X509Certificate x) {
          return x;
        }
      }
    } catch (java.security.cert.CertificateException | RuntimeException e) {
      // shown as "subject": null; producers validate before publishing
    }
    return null;
  }

  private static List<String> dnsNames(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      if (cert.getSubjectAlternativeNames() != null) {
        for (List<?> san : cert.getSubjectAlternativeNames()) {
          if (Integer.valueOf(2).equals(san.get(0))) {
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // no SANs shown
    }
    return out;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** {@code 1h30m}, {@code 5s}, {@code 1m0.5s} would be odd, so sub-second parts print as ms. */
  public static String duration(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    if (d.isNegative()) {
      sb.append('-');
      d = d.negated();
    }
    long h = d.toHours();
    long m = d.toMinutesPart();
    long s = d.toSecondsPart();
    long ms = d.toMillisPart();
    if (h > 0) {
      sb.append(h).append('h');
    }
    if (m > 0) {
      sb.append(m).append('m');
    }
    if (s > 0) {
      sb.append(s).append('s');
    }
    if (ms > 0) {
      sb.append(ms).append("ms");
    }
    if (sb.isEmpty() || sb.toString().equals("-")) {
      sb.append(d.toNanos()).append("ns");
    }
    return sb.toString();
  }

  /** A JSON string literal: quotes, backslashes and control characters escaped. */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** Pretty printer: two-space indent, {@code "key": value}, empty containers as {@code []}/{@code {}}. */
  static final class Writer {
    private final StringBuilder out = new StringBuilder(4096);
    /** Per open container: has it had an element yet? */
    private final ArrayList<Boolean> hasElements = new ArrayList<>();
    private boolean afterName;

    Writer beginObject() {
      return open('{');
    }

    Writer endObject() {
      return close('}');
    }

    Writer beginArray() {
      return open('[');
    }

    Writer endArray() {
      return close(']');
    }

    Writer name(String name) {
      element();
      out.append(quote(name)).append(": ");
      afterName = true;
      return this;
    }

    Writer string(String v) {
      return raw(v == null ? "null" : quote(v));
    }

    Writer strings(List<String> values) {
      if (values.isEmpty()) {
        return raw("[]");
      }
      beginArray();
      for (String v : values) {
        string(v);
      }
      return endArray();
    }

    Writer raw(String json) {
      if (!afterName) {
        element();
      }
      afterName = false;
      out.append(json);
      return this;
    }

    private Writer open(char c) {
      if (!afterName) {
        element();
      }
      afterName = false;
      out.append(c);
      hasElements.add(false);
      return this;
    }

    private Writer close(char c) {
      boolean had = hasElements.remove(hasElements.size() - 1);
      if (had) {
        out.append('\n');
        indent();
      }
      out.append(c);
      return this;
    }

    /** Before a value in an array or a name in an object: comma, newline, indent. */
    private void element() {
      if (hasElements.isEmpty()) {
        return;
      }
      int top = hasElements.size() - 1;
      if (hasElements.get(top)) {
        out.append(',');
      }
      hasElements.set(top, true);
      out.append('\n');
      indent();
    }

    private void indent() {
      out.append("  ".repeat(hasElements.size()));
    }

    @Override
    public String toString() {
      return out + "\n";
    }
  }
}

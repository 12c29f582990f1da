package dev.sluice.dataplane.tls;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.routing.HostTable;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which certificate a terminated connection gets, compiled once per snapshot. Precedence, the one
 * table tests prove:
 *
 * <ol>
 *   <li>exact host name ({@code app.example.org});
 *   <li>one-label wildcard: {@code *.example.org} matches {@code a.example.org}, not {@code
 *       a.b.example.org} nor {@code example.org};
 *   <li>the default certificate (also for clients that send no SNI).
 * </ol>
 *
 * When two certificates claim the same name, the one listed first in the snapshot wins and the
 * other is reported. Immutable and safe to read from every event loop; lookups allocate at most
 * one substring.
 *
 * <p>OCSP: a table compiled with an {@link OcspStapler} (and OCSP enabled on BoringSSL, see {@link
 * TlsContextFactory#staplesOcsp}) staples the stapler's cached response in {@link #newHandler};
 * otherwise {@link #newHandler} is plain {@code context.newHandler(alloc)}.
 */
public final class CertificateTable {

  // the same exact-then-one-label-wildcard table the HTTP routes and passthrough names use
  private final HostTable<SslContext> byName;
  private final List<SslContext> contexts;
  private final List<Served> served;
  private final SslContext defaultContext;
  private final OcspStapler stapler; // null: no stapling

  private CertificateTable(
      HostTable<SslContext> byName, List<Served> served, Served defaultServed, OcspStapler stapler) {
    this.byName = byName;
    this.defaultContext = defaultServed.context();
    this.stapler = stapler;
    Map<SslContext, Served> all = new IdentityHashMap<>();
    for (Served s : served) {
      all.putIfAbsent(s.context(), s);
    }
    all.putIfAbsent(defaultServed.context(), defaultServed);
    this.served = List.copyOf(all.values());
    this.contexts = this.served.stream().map(Served::context).toList();
  }

  /**
   * One distinct context of the table and the certificate chain it serves (leaf first), for
   * whoever needs the certificates behind a context (the OCSP stapler).
   */
  public record Served(String name, SslContext context, List<X509Certificate> chain) {
    public Served {
      chain = List.copyOf(chain);
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("empty chain for " + name);
      }
    }
  }

  /** A compiled table and the certificates or names that were left out of it. */
  public record Compilation(CertificateTable table, List<CertificateProblem> problems) {
    public Compilation {
      problems = List.copyOf(problems);
    }
  }

  /**
   * Builds the table for one snapshot. Never throws for bad certificates: they are left out and
   * reported. A bad configured default is reported and replaced by {@link
   * DefaultCertificate#shared()}.
   *
   * <p>Afterwards {@code factory} keeps only the contexts this table uses, so use one factory per
   * table (per listener).
   *
   * @param certificates the snapshot's certificates, in snapshot order
   * @param defaultCertificate the configured default, or {@code null} for the generated one
   */
  public static Compilation compile(
      List<Certificate> certificates,
      Certificate defaultCertificate,
      TlsSettings settings,
      TlsContextFactory factory) {
    return compile(certificates, defaultCertificate, settings, factory, null);
  }

  /**
   * {@link #compile(List, Certificate, TlsSettings, TlsContextFactory)}, stapling OCSP responses
   * from {@code stapler} when {@code factory} staples with {@code settings}; the stapler is then
   * told to track the new table's certificates ({@link OcspStapler#track}, which never blocks).
   *
   * @param stapler {@code null} for no stapling
   */
  public static Compilation compile(
      List<Certificate> certificates,
      Certificate defaultCertificate,
      TlsSettings settings,
      TlsContextFactory factory,
      OcspStapler stapler) {
    List<CertificateProblem> problems = new ArrayList<>();
    HostTable.Builder<SslContext> byName = HostTable.builder();
    List<Served> named = new ArrayList<>();
    Map<String, String> owner = new HashMap<>();
    for (Certificate c : certificates) {
      SslContext context;
      List<X509Certificate> chain;
      try {
        context = factory.build(c, settings);
        chain = PemKeyMaterial.parseChain(c);
      } catch (TlsContextException e) {
        problems.add(new CertificateProblem(c.name(), e.getMessage()));
        continue;
      }
      for (String raw : c.hostnames()) {
        String host = raw.toLowerCase(Locale.ROOT);
        String key = host.startsWith("*.") ? host.substring(2) : host;
        if (!isValidHostName(key)) {
          problems.add(new CertificateProblem(c.name(), "invalid host name '" + raw + "' ignored"));
          continue;
        }
        if (!byName.put(host, context)) {
          problems.add(
              new CertificateProblem(
                  c.name(),
                  "host " + host + " is already served by certificate " + owner.get(host)
                      + "; ignored for it"));
        } else {
          owner.put(host, c.name());
          named.add(new Served(c.name(), context, chain));
        }
      }
    }
    Served defaultServed = buildDefault(defaultCertificate, settings, factory, problems);
    boolean staples = stapler != null && factory.staplesOcsp(settings);
    CertificateTable table =
        new CertificateTable(byName.build(), named, defaultServed, staples ? stapler : null);
    factory.retainOnly(table.contexts());
    if (staples) {
      stapler.track(table);
    }
    return new Compilation(table, problems);
  }

  private static Served buildDefault(
      Certificate configured,
      TlsSettings settings,
      TlsContextFactory factory,
      List<CertificateProblem> problems) {
    if (configured != null) {
      try {
        return new Served(
            configured.name(),
            factory.build(configured, settings),
            PemKeyMaterial.parseChain(configured));
      } catch (TlsContextException e) {
        problems.add(
            new CertificateProblem(
                configured.name(), e.getMessage() + "; serving the generated default instead"));
      }
    }
    Certificate generated = DefaultCertificate.shared();
    try {
      return new Served(
          generated.name(),
          factory.build(generated, settings),
          PemKeyMaterial.parseChain(generated));
    } catch (TlsContextException e) {
      // our own generated certificate: only a broken TLS provider or invalid settings get here
      throw new IllegalStateException("cannot build the generated default certificate", e);
    }
  }

  /**
   * The context for {@code serverName} (already validated and lower case, as {@link
   * ClientHelloInfo#serverName()} is), or the default when it is {@code null} or matches nothing.
   */
  public SslContext select(String serverName) {
    if (serverName == null) {
      return defaultContext;
    }
    SslContext c = byName.lookup(serverName);
    return c != null ? c : defaultContext;
  }

  /** The context served when nothing else matches. */
  public SslContext defaultContext() {
    return defaultContext;
  }

  /** Every distinct context in the table, default included. */
  public List<SslContext> contexts() {
    return contexts;
  }

  /** Every distinct context with its chain, default included. */
  public List<Served> served() {
    return served;
  }

  /**
   * A server {@link SslHandler} for {@code context} (one of this table's, as {@link #select}
   * returned it), with the OCSP response stapled when the table staples and a fresh one is cached.
   * Never blocks: the staple is read from memory (one volatile read and a map lookup). Call on the
   * connection's event loop, before the handshake starts.
   */
  public SslHandler newHandler(SslContext context, ByteBufAllocator alloc) {
    SslHandler handler = context.newHandler(alloc);
    if (stapler != null) {
      stapler.staple(context, handler.engine());
    }
    return handler;
  }

  /** LDH labels of 1..63 characters joined by dots, at most 255 characters. */
  static boolean isValidHostName(String host) {
    if (host.isEmpty() || host.length() > ClientHelloParser.MAX_SERVER_NAME_LENGTH) {
      return false;
    }
    int label = 0;
    for (int i = 0; i < host.length(); i++) {
      char ch = host.charAt(i);
      if (ch == '.') {
        if (label == 0) {
          return false;
        }
        label = 0;
      } else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-') {
        if (++label > 63) {
          return false;
        }
      } else {
        return false;
      }
    }
    return label > 0;
  }
}

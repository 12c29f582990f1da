package dev.sluice.dataplane.tls;

import dev.sluice.dataplane.snapshot.Certificate;
import dev.sluice.dataplane.routing.HostTable;
import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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
 */
public final class CertificateTable {

  // the same exact-then-one-label-wildcard table the HTTP routes and passthrough names use
  private final HostTable<SslContext> byName;
  private final List<SslContext> contexts;
  private final SslContext defaultContext;

  private CertificateTable(
      HostTable<SslContext> byName, List<SslContext> named, SslContext defaultContext) {
    this.byName = byName;
    this.defaultContext = defaultContext;
    Set<SslContext> all = Collections.newSetFromMap(new IdentityHashMap<>());
    all.addAll(named);
    all.add(defaultContext);
    this.contexts = List.copyOf(all);
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
    List<CertificateProblem> problems = new ArrayList<>();
    HostTable.Builder<SslContext> byName = HostTable.builder();
    List<SslContext> named = new ArrayList<>();
    Map<String, String> owner = new HashMap<>();
    for (Certificate c : certificates) {
      SslContext context;
      try {
        context = factory.build(c, settings);
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
          named.add(context);
        }
      }
    }
    SslContext defaultContext = buildDefault(defaultCertificate, settings, factory, problems);
    CertificateTable table = new CertificateTable(byName.build(), named, defaultContext);
    factory.retainOnly(table.contexts());
    return new Compilation(table, problems);
  }

  private static SslContext buildDefault(
      Certificate configured,
      TlsSettings settings,
      TlsContextFactory factory,
      List<CertificateProblem> problems) {
    if (configured != null) {
      try {
        return factory.build(configured, settings);
      } catch (TlsContextException e) {
        problems.add(
            new CertificateProblem(
                configured.name(), e.getMessage() + "; serving the generated default instead"));
      }
    }
    try {
      return factory.build(DefaultCertificate.shared(), settings);
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

package dev.sluice.dataplane.tls;

import dev.sluice.dataplane.snapshot.AcmeChallenges;
import dev.sluice.dataplane.snapshot.Certificate;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS-ALPN-01 (RFC 8737) on the HTTPS port: for a ClientHello that offers ALPN {@value #ACME_TLS_1}
 * and names a host with a challenge certificate in the current snapshot, the TLS context that
 * serves that certificate and negotiates {@value #ACME_TLS_1} only. The HTTPS dispatcher asks
 * {@link #select} first; {@code null} means "not a challenge, carry on".
 *
 * <p>Contexts are compiled lazily, once per distinct {@link AcmeChallenges} value (a snapshot
 * without challenges costs nothing), and reused while the snapshot's challenges stay the same.
 * Compiling happens on the event loop of the first validation connection after a change; it is a
 * few milliseconds for the one or two certificates an order has, and only validators pay it.
 *
 * <p>Thread safety: {@link #select} may be called from every event loop at once; the compiled
 * state is one immutable object behind a volatile field, and two loops compiling the same
 * challenges concurrently both produce a correct result (one is kept).
 */
public final class TlsAlpnChallenges {
  /** The ALPN protocol name of TLS-ALPN-01 validation connections. */
  public static final String ACME_TLS_1 = "acme-tls/1";

  private static final Logger log = LoggerFactory.getLogger(TlsAlpnChallenges.class);

  private record Compiled(AcmeChallenges source, Map<String, SslContext> byHost) {}

  private final Supplier<AcmeChallenges> current;
  private final SslProvider provider;
  private volatile Compiled compiled = new Compiled(AcmeChallenges.empty(), Map.of());

  /**
   * @param current the challenges of the snapshot being served, e.g. {@code () ->
   *     holder.current().snapshot().acmeChallenges()}
   */
  public TlsAlpnChallenges(Supplier<AcmeChallenges> current) {
    this.current = current;
    this.provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  /**
   * The challenge context for this ClientHello, or {@code null} when it offers no {@value
   * #ACME_TLS_1} or no challenge is pending for its SNI name.
   */
  public SslContext select(ClientHelloInfo hello) {
    if (!hello.offersAlpn(ACME_TLS_1) || hello.serverName() == null) {
      return null;
    }
    AcmeChallenges challenges = current.get();
    if (challenges.tlsAlpn01().isEmpty()) {
      return null;
    }
    Compiled c = compiled;
    if (c.source() != challenges) {
      c = compile(challenges, c);
      compiled = c;
    }
    return c.byHost().get(hello.serverName());
  }

  private Compiled compile(AcmeChallenges challenges, Compiled previous) {
    Map<String, SslContext> byHost = new HashMap<>();
    for (Map.Entry<String, Certificate> e : challenges.tlsAlpn01().entrySet()) {
      Certificate cert = e.getValue();
      Certificate before = previous.source().tlsAlpn01().get(e.getKey());
      SslContext reuse = cert.equals(before) ? previous.byHost().get(e.getKey()) : null;
      try {
        byHost.put(e.getKey(), reuse != null ? reuse : build(cert));
      } catch (TlsContextException | RuntimeException ex) {
        // the controller made this certificate; a failure here makes the validation fail, which
        // the controller reports on the order
        log.warn("TLS-ALPN-01 certificate for {} unusable: {}", e.getKey(), ex.getMessage());
      }
    }
    return new Compiled(challenges, Map.copyOf(byHost));
  }

  private SslContext build(Certificate cert) throws TlsContextException {
    PemKeyMaterial material = PemKeyMaterial.parse(cert);
    try {
      return SslContextBuilder.forServer(material.key(), material.chain())
          .sslProvider(provider)
          .protocols("TLSv1.3", "TLSv1.2")
          .applicationProtocolConfig(
              new ApplicationProtocolConfig(
                  Protocol.ALPN,
                  // BoringSSL supports only these; the context is chosen only for clients that
                  // offer acme-tls/1, so the selection cannot miss
                  SelectorFailureBehavior.NO_ADVERTISE,
                  SelectedListenerFailureBehavior.ACCEPT,
                  ACME_TLS_1))
          .build();
    } catch (Exception e) {
      throw new TlsContextException(cert.name(), "TLS provider refused it: " + e.getMessage(), e);
    }
  }
}

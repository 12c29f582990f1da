package dev.sluice.dataplane.tls;

import dev.sluice.dataplane.snapshot.UpstreamTls;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client {@link SslContext}s for HTTPS and H2 upstreams, cached by (ALPN offer, SHA-256 of the CA
 * bundle, verify), so
 * every snapshot that names the same trust reuses one context and its TLS session cache, and many
 * routes that differ only in SNI share it (SNI is set per connection, see {@link
 * UpstreamTlsClient}).
 *
 * <p>Contexts: {@link SslProvider#OPENSSL} (BoringSSL) when it loads, else the JDK; TLS 1.2 and
 * 1.3; ALPN offers {@code http/1.1} only for HTTPS upstreams and {@code h2} only for H2 ones
 * ({@link #h2Client}, a context of its own); trust is the CA
 * bundle, the JDK default trust store when there is none, or nothing at all ({@link
 * InsecureTrustManagerFactory}) when verification is off. Host name verification is switched off
 * in the context and on per connection when there is a name to verify. The non-reference-counted
 * OpenSSL contexts need no release: one dropped from the cache is collected once unused.
 *
 * <p>Thread safety: {@link #client} and {@link #retainOnly} are called by the snapshot compiler
 * (one publisher at a time); the cache is concurrent so a stray concurrent call is still safe.
 */
public final class UpstreamTlsContexts {
  private static final Logger log = LoggerFactory.getLogger(UpstreamTlsContexts.class);

  private static final ApplicationProtocolConfig HTTP11_ONLY =
      new ApplicationProtocolConfig(
          Protocol.ALPN,
          SelectorFailureBehavior.NO_ADVERTISE,
          SelectedListenerFailureBehavior.ACCEPT,
          ApplicationProtocolNames.HTTP_1_1);

  /** For {@code H2} upstreams: a server that does not select h2 is refused after the handshake. */
  private static final ApplicationProtocolConfig H2_ONLY =
      new ApplicationProtocolConfig(
          Protocol.ALPN,
          SelectorFailureBehavior.NO_ADVERTISE,
          SelectedListenerFailureBehavior.ACCEPT,
          ApplicationProtocolNames.HTTP_2);

  private final SslProvider provider;
  private final ConcurrentHashMap<String, SslContext> cache = new ConcurrentHashMap<>();

  /** BoringSSL when netty-tcnative loads, the JDK otherwise. */
  public UpstreamTlsContexts() {
    this(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
  }

  /** {@link SslProvider#OPENSSL} or {@link SslProvider#JDK}. */
  public UpstreamTlsContexts(SslProvider provider) {
    if (provider != SslProvider.OPENSSL && provider != SslProvider.JDK) {
      throw new IllegalArgumentException("provider must be OPENSSL or JDK, was " + provider);
    }
    this.provider = provider;
  }

  /**
   * The compiled client for {@code tls}. Never throws on bad input: a CA bundle that cannot be read
   * gives a client that fails its connections (and is logged here, once per snapshot).
   */
  public UpstreamTlsClient client(UpstreamTls tls) {
    return client(tls, false);
  }

  /**
   * As {@link #client}, for HTTP/2 over TLS: the context offers only {@code h2} in ALPN (and the
   * HTTP/2 cipher suites), is cached apart from the HTTP/1.1 one, and its connections are pooled
   * under other keys (see {@link UpstreamTlsClient#poolKey}).
   */
  public UpstreamTlsClient h2Client(UpstreamTls tls) {
    return client(tls, true);
  }

  private UpstreamTlsClient client(UpstreamTls tls, boolean h2) {
    String key =
        (h2 ? "h2|" : "http/1.1|")
            + (tls.verify() ? "verify|" : "noverify|")
            + (tls.caPem() == null ? "-" : tls.caSha256());
    SslContext context = cache.get(key);
    if (context == null) {
      try {
        context = newContext(tls, h2);
      } catch (Exception e) {
        String problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        log.warn("cannot build upstream TLS context for {}: {}", tls, problem);
        return new UpstreamTlsClient(tls, null, problem, h2);
      }
      SslContext raced = cache.putIfAbsent(key, context);
      context = raced != null ? raced : context;
    }
    return new UpstreamTlsClient(tls, context, null, h2);
  }

  /** Forgets the contexts that none of {@code inUse} holds (after a snapshot was compiled). */
  public void retainOnly(Collection<UpstreamTlsClient> inUse) {
    Set<SslContext> keep = Collections.newSetFromMap(new IdentityHashMap<>());
    for (UpstreamTlsClient c : inUse) {
      keep.add(c.context());
    }
    cache.values().removeIf(c -> !keep.contains(c));
  }

  /** Number of cached contexts (tests, admin). */
  public int cachedContexts() {
    return cache.size();
  }

  private SslContext newContext(UpstreamTls tls, boolean h2) throws Exception {
    SslContextBuilder b =
        SslContextBuilder.forClient()
            .sslProvider(provider)
            .protocols("TLSv1.3", "TLSv1.2")
            .applicationProtocolConfig(h2 ? H2_ONLY : HTTP11_ONLY)
            // set per connection by UpstreamTlsClient, only when there is a name to verify
            .endpointIdentificationAlgorithm(null);
    if (h2) {
      // RFC 9113 9.2.2: no TLS 1.2 suites from the block list on an HTTP/2 connection
      b.ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
    }
    if (!tls.verify()) {
      b.trustManager(InsecureTrustManagerFactory.INSTANCE);
    } else if (tls.caPem() != null) {
      b.trustManager(parseCa(tls.caPem()));
    }
    return b.build();
  }

  static X509Certificate[] parseCa(String pem) throws Exception {
    List<X509Certificate> certs = new ArrayList<>();
    for (java.security.cert.Certificate c :
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
      certs.add((X509Certificate) c);
    }
    if (certs.isEmpty()) {
      throw new IllegalArgumentException("the CA bundle holds no certificate");
    }
    return certs.toArray(X509Certificate[]::new);
  }
}

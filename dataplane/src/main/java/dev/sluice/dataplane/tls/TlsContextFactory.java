package dev.sluice.dataplane.tls;

import dev.sluice.dataplane.snapshot.Certificate;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns snapshot {@link Certificate}s into server {@link SslContext}s, once: contexts are cached by
 * SHA-256 of (chain PEM, key PEM, settings), so a new snapshot with unchanged certificates reuses
 * the same contexts (and their session caches), and {@link #retainOnly} forgets the rest.
 *
 * <p>Provider: {@link SslProvider#OPENSSL} (BoringSSL from netty-tcnative) when it loads, else the
 * JDK. {@code OPENSSL} is Netty's non-reference-counted variant: a context forgotten here is freed
 * by the garbage collector once the last connection using it is gone, so nothing has to be
 * released by hand and no connection can see a freed native context.
 *
 * <p>Session resumption: BoringSSL's server session cache plus session tickets encrypted with a key
 * generated at random per context, so a session never crosses from one certificate to another
 * (connections to other replicas or after a restart do a full handshake; sharing and rotating
 * ticket keys across replicas is a later step). OCSP: with {@link TlsSettings#enableOcsp()} and
 * BoringSSL, stapling support is switched on ({@code SslContextBuilder.enableOcsp}); a staple is
 * sent when a DER OCSP response is set on the engine ({@code
 * ReferenceCountedOpenSslEngine.setOcspResponse}), which {@link OcspStapler} does with responses it
 * fetched off the event loop. With the JDK provider OCSP stapling is left off.
 *
 * <p>Thread safety: {@link #build} and {@link #retainOnly} are called by the snapshot compiler
 * (one thread at a time); the cache is concurrent so a stray concurrent call is still safe. The
 * contexts returned are immutable and used from any event loop.
 */
public final class TlsContextFactory {

  private static final Logger log = LoggerFactory.getLogger(TlsContextFactory.class);

  private final SslProvider provider;
  private final SecureRandom random = new SecureRandom();
  private final ConcurrentHashMap<String, SslContext> cache = new ConcurrentHashMap<>();

  /** BoringSSL when netty-tcnative loads, the JDK otherwise. */
  public TlsContextFactory() {
    this(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
  }

  /** For tests and diagnostics: {@link SslProvider#OPENSSL} or {@link SslProvider#JDK}. */
  public TlsContextFactory(SslProvider provider) {
    if (provider != SslProvider.OPENSSL && provider != SslProvider.JDK) {
      // OPENSSL_REFCNT would need explicit release of every context this cache forgets
      throw new IllegalArgumentException("provider must be OPENSSL or JDK, was " + provider);
    }
    if (provider == SslProvider.OPENSSL && !OpenSsl.isAvailable()) {
      throw new IllegalStateException("OpenSSL provider requested but netty-tcnative did not load",
          OpenSsl.unavailabilityCause());
    }
    this.provider = provider;
  }

  public SslProvider provider() {
    return provider;
  }

  /**
   * The server context for {@code certificate} with {@code settings}: the cached one if the same
   * PEM and settings were built before, else a new one.
   *
   * @throws TlsContextException naming the certificate, when its PEM is unreadable, the key does
   *     not match, or the provider refuses the settings (e.g. an unknown cipher suite)
   */
  public SslContext build(Certificate certificate, TlsSettings settings)
      throws TlsContextException {
    String key = cacheKey(certificate, settings);
    SslContext cached = cache.get(key);
    if (cached != null) {
      return cached;
    }
    SslContext built = newContext(certificate, settings);
    SslContext raced = cache.putIfAbsent(key, built);
    return raced != null ? raced : built;
  }

  /**
   * Forgets every cached context not in {@code inUse} (compared by identity). Called after a
   * snapshot's certificate table is compiled with the contexts that table holds.
   */
  public void retainOnly(Collection<SslContext> inUse) {
    Set<SslContext> keep = Collections.newSetFromMap(new IdentityHashMap<>());
    keep.addAll(inUse);
    cache.values().removeIf(c -> !keep.contains(c));
  }

  /**
   * True when contexts built with {@code settings} can staple OCSP responses: OCSP enabled, the
   * BoringSSL provider, and a netty-tcnative that supports it. The JDK provider cannot staple from
   * a response the application supplies ({@code SSLEngine} has no such call; the JDK's own stapling
   * fetches responses itself, blocking, in the handshake), so it never staples.
   */
  public boolean staplesOcsp(TlsSettings settings) {
    return provider == SslProvider.OPENSSL && settings.enableOcsp() && OpenSsl.isOcspSupported();
  }

  /** Number of cached contexts (for the admin page and tests). */
  public int cachedContexts() {
    return cache.size();
  }

  private SslContext newContext(Certificate certificate, TlsSettings settings)
      throws TlsContextException {
    PemKeyMaterial material = PemKeyMaterial.parse(certificate);
    List<String> ciphers = new ArrayList<>(settings.cipherSuites());
    // Both providers switch TLS 1.3 off when no TLS 1.3 suite is listed (Netty's OpenSSL context
    // sets SSL_OP_NO_TLSv1_3), so the fixed TLS 1.3 suites always go along.
    ciphers.addAll(TlsSettings.TLS13_CIPHER_SUITES);
    SslContextBuilder builder =
        SslContextBuilder.forServer(material.key(), material.chain())
            .sslProvider(provider)
            .protocols(protocols(settings.minimumVersion()))
            .ciphers(ciphers)
            .sessionTimeout(settings.sessionTimeout().toSeconds())
            .applicationProtocolConfig(alpn(settings.alpnProtocols()));
    if (settings.sessionCacheSize() > 0) {
      builder.sessionCacheSize(settings.sessionCacheSize());
    }
    if (staplesOcsp(settings)) {
      builder.enableOcsp(true);
    }
    SslContext context;
    try {
      context = builder.build();
    } catch (Exception e) {
      throw new TlsContextException(
          certificate.name(), "TLS provider refused it: " + e.getMessage(), e);
    }
    if (context.sessionContext() instanceof OpenSslSessionContext sessions) {
      sessions.setSessionCacheEnabled(settings.sessionResumption());
      if (settings.sessionResumption()) {
        sessions.setTicketKeys(newTicketKey());
      }
    }
    log.debug("built TLS context for certificate {} ({})", certificate.name(), provider);
    return context;
  }

  /**
   * One key per context, never shared: a ticket issued with one certificate must not resume a
   * session on another context (BoringSSL would accept it, and the client would be back in a
   * session authenticated by the other certificate, for a host that certificate may not cover).
   */
  private OpenSslSessionTicketKey newTicketKey() {
    byte[] name = new byte[OpenSslSessionTicketKey.NAME_SIZE];
    byte[] hmac = new byte[OpenSslSessionTicketKey.HMAC_KEY_SIZE];
    byte[] aes = new byte[OpenSslSessionTicketKey.AES_KEY_SIZE];
    random.nextBytes(name);
    random.nextBytes(hmac);
    random.nextBytes(aes);
    return new OpenSslSessionTicketKey(name, hmac, aes);
  }

  private static String[] protocols(TlsVersion minimum) {
    return minimum == TlsVersion.TLS_1_3
        ? new String[] {"TLSv1.3"}
        : new String[] {"TLSv1.3", "TLSv1.2"};
  }

  private static ApplicationProtocolConfig alpn(List<String> protocols) {
    if (protocols.isEmpty()) {
      return ApplicationProtocolConfig.DISABLED;
    }
    // no overlap with the client: continue without ALPN (http/1.1), as nginx and Traefik do
    return new ApplicationProtocolConfig(
        Protocol.ALPN,
        SelectorFailureBehavior.NO_ADVERTISE,
        SelectedListenerFailureBehavior.ACCEPT,
        protocols);
  }

  /** SHA-256 over length-prefixed parts, so no two different inputs share a key. */
  static String cacheKey(Certificate certificate, TlsSettings settings) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part :
          List.of(certificate.certificateChainPem(), certificate.privateKeyPem(), settings.toString())) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        sha.update(
            new byte[] {
              (byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16),
              (byte) (bytes.length >>> 8), (byte) bytes.length
            });
        sha.update(bytes);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}

package dev.sluice.dataplane.snapshot;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-route behaviour, parsed once when the snapshot is built. Each concern is its own record
 * ({@link RedirectPolicy}, {@link AccessPolicy}, ...), {@code NONE} when the route does not use it;
 * the data plane compiles the lot into a filter chain once per snapshot ({@code
 * dev.sluice.dataplane.policy.RouteFilters}). A new policy adds a record here, a parser in the
 * translator and a filter in the data plane.
 *
 * @param connectTimeout to open a connection to an endpoint
 * @param responseHeaderTimeout from the request fully sent to the response head received
 * @param upgradedIdleTimeout idle time after which an upgraded (WebSocket) connection is closed
 * @param sslRedirect answer plain HTTP with a redirect to HTTPS (301, 308 for methods other than
 *     GET and HEAD), except {@code /.well-known/acme-challenge/}; the translator sets it for hosts
 *     their Ingress lists under {@code spec.tls} (ingress-nginx's default) and for {@code
 *     force-ssl-redirect}, so the default is off
 * @param hsts Strict-Transport-Security header added to responses on terminated TLS (never on
 *     plain HTTP, never over an upstream's own), or {@code null} for none
 * @param redirect permanent redirect and app root
 * @param rewrite path rewrite and upstream Host
 * @param headers request/response header rules
 * @param cors cross-origin resource sharing
 * @param transfer read/send timeouts and body size
 * @param access source ranges, authentication, rate limits
 * @param jwt JWT validation
 * @param compression response compression
 * @param errorPages custom error pages
 */
public record RoutePolicy(
    Duration connectTimeout,
    Duration responseHeaderTimeout,
    Duration upgradedIdleTimeout,
    boolean sslRedirect,
    Hsts hsts,
    RedirectPolicy redirect,
    RewritePolicy rewrite,
    HeaderPolicy headers,
    CorsPolicy cors,
    TransferPolicy transfer,
    AccessPolicy access,
    JwtPolicy jwt,
    CompressionPolicy compression,
    ErrorPagePolicy errorPages) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_RESPONSE_HEADER_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_UPGRADED_IDLE_TIMEOUT = Duration.ofHours(1);

  public static final RoutePolicy DEFAULT =
      new RoutePolicy(
          DEFAULT_CONNECT_TIMEOUT,
          DEFAULT_RESPONSE_HEADER_TIMEOUT,
          DEFAULT_UPGRADED_IDLE_TIMEOUT,
          false,
          Hsts.DEFAULT);

  public RoutePolicy {
    positive(connectTimeout, "connectTimeout");
    positive(responseHeaderTimeout, "responseHeaderTimeout");
    positive(upgradedIdleTimeout, "upgradedIdleTimeout");
    redirect = orNone(redirect, RedirectPolicy.NONE);
    rewrite = orNone(rewrite, RewritePolicy.NONE);
    headers = orNone(headers, HeaderPolicy.NONE);
    cors = orNone(cors, CorsPolicy.NONE);
    transfer = orNone(transfer, TransferPolicy.NONE);
    access = orNone(access, AccessPolicy.NONE);
    jwt = orNone(jwt, JwtPolicy.NONE);
    compression = orNone(compression, CompressionPolicy.NONE);
    errorPages = orNone(errorPages, ErrorPagePolicy.NONE);
  }

  /** Timeouts, redirect and HSTS only; every other policy {@code NONE}. */
  public RoutePolicy(
      Duration connectTimeout,
      Duration responseHeaderTimeout,
      Duration upgradedIdleTimeout,
      boolean sslRedirect,
      Hsts hsts) {
    this(
        connectTimeout,
        responseHeaderTimeout,
        upgradedIdleTimeout,
        sslRedirect,
        hsts,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** This policy with {@link #sslRedirect} set to {@code on}. */
  public RoutePolicy withSslRedirect(boolean on) {
    return toBuilder().sslRedirect(on).build();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public static Builder builder() {
    return new Builder(DEFAULT);
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }

  private static <T> T orNone(T value, T none) {
    return value == null ? none : value;
  }

  /** Strict-Transport-Security settings. */
  public record Hsts(Duration maxAge, boolean includeSubDomains, boolean preload) {
    public static final Hsts DEFAULT = new Hsts(Duration.ofDays(365), true, false);

    /** The header value, e.g. {@code max-age=31536000; includeSubDomains}. */
    public String headerValue() {
      return "max-age="
          + maxAge.toSeconds()
          + (includeSubDomains ? "; includeSubDomains" : "")
          + (preload ? "; preload" : "");
    }
  }

  /**
   * Collects a policy field by field; the translator's annotation parsers each set their own
   * fields. Not thread-safe; {@link #build()} validates.
   */
  public static final class Builder {
    private Duration connectTimeout;
    private Duration responseHeaderTimeout;
    private Duration upgradedIdleTimeout;
    private boolean sslRedirect;
    private Hsts hsts;
    private RedirectPolicy redirect;
    private RewritePolicy rewrite;
    private HeaderPolicy headers;
    private CorsPolicy cors;
    private TransferPolicy transfer;
    private AccessPolicy access;
    private JwtPolicy jwt;
    private CompressionPolicy compression;
    private ErrorPagePolicy errorPages;

    private Builder(RoutePolicy p) {
      connectTimeout = p.connectTimeout;
      responseHeaderTimeout = p.responseHeaderTimeout;
      upgradedIdleTimeout = p.upgradedIdleTimeout;
      sslRedirect = p.sslRedirect;
      hsts = p.hsts;
      redirect = p.redirect;
      rewrite = p.rewrite;
      headers = p.headers;
      cors = p.cors;
      transfer = p.transfer;
      access = p.access;
      jwt = p.jwt;
      compression = p.compression;
      errorPages = p.errorPages;
    }

    public Builder connectTimeout(Duration d) {
      connectTimeout = d;
      return this;
    }

    public Builder responseHeaderTimeout(Duration d) {
      responseHeaderTimeout = d;
      return this;
    }

    public Builder upgradedIdleTimeout(Duration d) {
      upgradedIdleTimeout = d;
      return this;
    }

    public Builder sslRedirect(boolean on) {
      sslRedirect = on;
      return this;
    }

    /** {@code null}: no HSTS header. */
    public Builder hsts(Hsts h) {
      hsts = h;
      return this;
    }

    public Builder redirect(RedirectPolicy p) {
      redirect = p;
      return this;
    }

    public Builder rewrite(RewritePolicy p) {
      rewrite = p;
      return this;
    }

    public Builder headers(HeaderPolicy p) {
      headers = p;
      return this;
    }

    public Builder cors(CorsPolicy p) {
      cors = p;
      return this;
    }

    public Builder transfer(TransferPolicy p) {
      transfer = p;
      return this;
    }

    public Builder access(AccessPolicy p) {
      access = p;
      return this;
    }

    public Builder jwt(JwtPolicy p) {
      jwt = p;
      return this;
    }

    public Builder compression(CompressionPolicy p) {
      compression = p;
      return this;
    }

    public Builder errorPages(ErrorPagePolicy p) {
      errorPages = p;
      return this;
    }

    public Duration connectTimeout() {
      return connectTimeout;
    }

    public Duration responseHeaderTimeout() {
      return responseHeaderTimeout;
    }

    public Duration upgradedIdleTimeout() {
      return upgradedIdleTimeout;
    }

    public Hsts hsts() {
      return hsts;
    }

    public RoutePolicy build() {
      return new RoutePolicy(
          connectTimeout,
          responseHeaderTimeout,
          upgradedIdleTimeout,
          sslRedirect,
          hsts,
          redirect,
          rewrite,
          headers,
          cors,
          transfer,
          access,
          jwt,
          compression,
          errorPages);
    }
  }
}

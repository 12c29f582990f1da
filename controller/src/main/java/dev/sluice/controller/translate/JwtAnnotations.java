package dev.sluice.controller.translate;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import dev.sluice.controller.translate.ResourceProblem.Reason;
import dev.sluice.dataplane.policy.jwt.JwtKeys;
import dev.sluice.dataplane.snapshot.JwtPolicy;
import dev.sluice.dataplane.snapshot.JwtPolicy.ClaimHeader;
import dev.sluice.dataplane.snapshot.RoutePolicy;
import io.fabric8.kubernetes.api.model.Secret;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * JWT validation: {@code jwt-secret} or {@code jwt-jwks-url} (exactly one), {@code jwt-issuer},
 * {@code jwt-audience}, {@code jwt-clock-skew}, {@code jwt-claims-to-headers}, {@code jwt-cookie},
 * {@code jwt-query-param}. ingress-nginx has no JWT annotations (its JWT support is NGINX Plus
 * only), so these are Sluice's own names.
 *
 * <p>The Secret (in the Ingress's namespace) holds any of {@link #JWKS_KEY} (a JWK set, JSON),
 * {@link #HMAC_KEY} (the raw HMAC key, at least 32 bytes) and {@link #PEM_KEY} (PEM public keys or
 * certificates, RSA of 2048 bits or more, or EC); they are merged into one JWK set here, so the
 * data plane parses one format.
 */
final class JwtAnnotations implements PolicyAnnotation {
  static final String SECRET = "jwt-secret";
  static final String JWKS_URL = "jwt-jwks-url";
  static final String ISSUER = "jwt-issuer";
  static final String AUDIENCE = "jwt-audience";
  static final String CLOCK_SKEW = "jwt-clock-skew";
  static final String CLAIMS_TO_HEADERS = "jwt-claims-to-headers";
  static final String COOKIE = "jwt-cookie";
  static final String QUERY_PARAM = "jwt-query-param";
  static final String JWKS_KEY = "jwks.json";
  static final String HMAC_KEY = "hmac.key";
  static final String PEM_KEY = "public.pem";
  static final long MAX_SKEW_SECONDS = 3600;

  @Override
  public void read(IngressAnnotations a, RoutePolicy.Builder policy, IngressPolicy.Builder ingress)
      throws InvalidAnnotation {
    String secret = a.get(SECRET);
    String url = a.get(JWKS_URL);
    String issuer = a.get(ISSUER);
    String audience = a.get(AUDIENCE);
    String skew = a.get(CLOCK_SKEW);
    String claims = a.get(CLAIMS_TO_HEADERS);
    String cookie = a.get(COOKIE);
    String query = a.get(QUERY_PARAM);
    if (secret == null && url == null) {
      for (String name : List.of(ISSUER, AUDIENCE, CLOCK_SKEW, CLAIMS_TO_HEADERS, COOKIE, QUERY_PARAM)) {
        if (a.has(name)) {
          throw a.invalid(name, "needs " + a.key(SECRET) + " or " + a.key(JWKS_URL));
        }
      }
      return;
    }
    if (secret != null && url != null) {
      throw a.invalid(JWKS_URL, "give either " + a.key(SECRET) + " or " + a.key(JWKS_URL) + ", not both");
    }
    String keySet = secret != null ? keySet(a, secret.trim()) : null;
    URI jwksUrl = url != null ? jwksUrl(a, url.trim()) : null;
    String iss = issuer == null || issuer.isBlank() ? null : issuer.trim();
    List<String> audiences = audience == null ? List.of() : list(audience);
    Duration clockSkew = JwtPolicy.DEFAULT_CLOCK_SKEW;
    if (skew != null) {
      clockSkew = Duration.ofSeconds(seconds(a, skew));
    }
    List<ClaimHeader> mapping = claims == null ? List.of() : claimHeaders(a, claims);
    String cookieName = cookie == null ? null : token(a, COOKIE, cookie);
    String param = query == null ? null : nonBlank(a, QUERY_PARAM, query);
    policy.jwt(new JwtPolicy(keySet, jwksUrl, iss, audiences, clockSkew, mapping, cookieName, param));
  }

  private static URI jwksUrl(IngressAnnotations a, String v) throws InvalidAnnotation {
    URI u;
    try {
      u = new URI(v);
    } catch (URISyntaxException e) {
      throw a.invalid(JWKS_URL, "is not a URL");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null) {
      throw a.invalid(JWKS_URL, "must be an http:// or https:// URL with a host");
    }
    if (u.getRawUserInfo() != null) {
      throw a.invalid(JWKS_URL, "must not carry credentials");
    }
    return u;
  }

  private static long seconds(IngressAnnotations a, String v) throws InvalidAnnotation {
    String s = v.trim();
    if (s.endsWith("s")) {
      s = s.substring(0, s.length() - 1);
    }
    try {
      long n = Long.parseLong(s);
      if (n >= 0 && n <= MAX_SKEW_SECONDS) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw a.invalid(CLOCK_SKEW, "must be whole seconds from 0 to " + MAX_SKEW_SECONDS);
  }

  /** {@code claim:Header} pairs separated by commas, e.g. {@code sub:X-User, email:X-Email}. */
  private static List<ClaimHeader> claimHeaders(IngressAnnotations a, String v) throws InvalidAnnotation {
    List<ClaimHeader> out = new ArrayList<>();
    Set<String> headers = new HashSet<>();
    for (String pair : list(v)) {
      int colon = pair.indexOf(':');
      String claim = colon < 0 ? "" : pair.substring(0, colon).trim();
      String header = colon < 0 ? "" : pair.substring(colon + 1).trim();
      if (claim.isEmpty() || !ClaimHeader.isToken(header)) {
        throw a.invalid(CLAIMS_TO_HEADERS, "\"" + pair + "\" is not claim:Header-Name");
      }
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.equals("host") || lower.equals("authorization") || lower.equals("content-length")
          || lower.equals("transfer-encoding") || lower.equals("connection") || lower.equals("cookie")) {
        throw a.invalid(CLAIMS_TO_HEADERS, "header " + header + " cannot be set from a claim");
      }
      if (!headers.add(lower)) {
        throw a.invalid(CLAIMS_TO_HEADERS, "header " + header + " is named twice");
      }
      out.add(new ClaimHeader(claim, header));
    }
    if (out.isEmpty()) {
      throw a.invalid(CLAIMS_TO_HEADERS, "is empty");
    }
    return out;
  }

  private static String token(IngressAnnotations a, String name, String v) throws InvalidAnnotation {
    String s = v.trim();
    if (!ClaimHeader.isToken(s)) {
      throw a.invalid(name, "must be a cookie name");
    }
    return s;
  }

  private static String nonBlank(IngressAnnotations a, String name, String v) throws InvalidAnnotation {
    String s = v.trim();
    if (s.isEmpty() || s.indexOf('&') >= 0 || s.indexOf('=') >= 0) {
      throw a.invalid(name, "must be a query parameter name");
    }
    return s;
  }

  private static List<String> list(String v) {
    List<String> out = new ArrayList<>();
    for (String s : v.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  /** The Secret's keys as one JWK set (JSON, secret parts included: HMAC keys are secrets). */
  private static String keySet(IngressAnnotations a, String ref) throws InvalidAnnotation {
    String ns = Resources.namespace(a.ingress());
    String name = ref;
    int slash = ref.indexOf('/');
    if (slash >= 0) {
      if (!ref.substring(0, slash).equals(ns)) {
        throw a.invalid(SECRET, "the Secret must be in the Ingress's namespace \"" + ns + "\"");
      }
      name = ref.substring(slash + 1);
    }
    if (name.isEmpty() || name.indexOf('/') >= 0) {
      throw a.invalid(SECRET, "must be \"name\" or \"namespace/name\"");
    }
    Secret s = a.context().index.secret(ns, name);
    if (s == null) {
      throw a.invalid(SECRET, Reason.SecretNotFound, "no Secret " + ns + "/" + name);
    }
    String where = "Secret " + ns + "/" + name + " ";
    List<JWK> keys = new ArrayList<>();
    try {
      byte[] jwks = bytes(s, JWKS_KEY);
      if (jwks != null) {
        keys.addAll(JWKSet.parse(new String(jwks, StandardCharsets.UTF_8)).getKeys());
      }
    } catch (java.text.ParseException | IllegalArgumentException e) {
      throw a.invalid(SECRET, Reason.InvalidSpec, where + JWKS_KEY + " is not a JWK set: " + e.getMessage());
    }
    byte[] hmac;
    try {
      hmac = bytes(s, HMAC_KEY);
    } catch (IllegalArgumentException e) {
      throw a.invalid(SECRET, where + e.getMessage());
    }
    if (hmac != null) {
      if (hmac.length < 32) {
        throw a.invalid(SECRET, where + HMAC_KEY + " is shorter than 32 bytes (HS256 needs 256 bits)");
      }
      keys.add(new OctetSequenceKey.Builder(hmac).build());
    }
    try {
      byte[] pem = bytes(s, PEM_KEY);
      if (pem != null) {
        keys.addAll(pemKeys(new String(pem, StandardCharsets.UTF_8)));
      }
    } catch (JOSEException | IllegalArgumentException e) {
      throw a.invalid(SECRET, where + PEM_KEY + " is not a PEM public key or certificate: " + e.getMessage());
    }
    if (keys.isEmpty()) {
      throw a.invalid(SECRET, where + "has none of " + JWKS_KEY + ", " + HMAC_KEY + ", " + PEM_KEY);
    }
    List<JWK> verifying = new ArrayList<>();
    for (JWK k : keys) { // a private key given by mistake: only its public half goes on
      verifying.add(k instanceof OctetSequenceKey ? k : k.toPublicJWK());
    }
    String json = new JWKSet(verifying).toString(false);
    try {
      if (JwtKeys.parse(json).size() == 0) {
        throw a.invalid(SECRET, where + "holds no usable signature key (HMAC of 256 bits or more,"
            + " RSA of 2048 bits or more, EC P-256/384/521)");
      }
    } catch (java.text.ParseException e) {
      throw a.invalid(SECRET, where + "keys cannot be used: " + e.getMessage());
    }
    return json;
  }

  /** Each PEM block (public key or certificate) as a public JWK. */
  private static List<JWK> pemKeys(String pem) throws JOSEException {
    List<JWK> out = new ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("-----BEGIN ([A-Z ]+)-----.*?-----END \\1-----", java.util.regex.Pattern.DOTALL)
            .matcher(pem);
    while (m.find()) {
      if (m.group(1).contains("PRIVATE")) {
        throw new JOSEException("holds a private key; give the public key only");
      }
      out.add(JWK.parseFromPEMEncodedObjects(m.group()).toPublicJWK());
    }
    if (out.isEmpty()) {
      throw new JOSEException("no PEM block");
    }
    return out;
  }

  /** A data field's bytes (stringData as UTF-8, data base64-decoded), or {@code null} if absent. */
  private static byte[] bytes(Secret s, String field) {
    Map<String, String> stringData = s.getStringData() == null ? Map.of() : s.getStringData();
    if (stringData.get(field) != null) {
      return stringData.get(field).getBytes(StandardCharsets.UTF_8);
    }
    String b64 = s.getData() == null ? null : s.getData().get(field);
    if (b64 == null || b64.isEmpty()) {
      return null;
    }
    try {
      return Base64.getMimeDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " is not base64");
    }
  }
}

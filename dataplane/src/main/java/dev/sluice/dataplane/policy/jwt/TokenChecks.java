package dev.sluice.dataplane.policy.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.text.ParseException;
import java.time.Duration;
import java.util.Collection;
import java.util.Date;
import java.util.List;

/**
 * The claim checks of a signed token ({@code exp}, {@code nbf}, {@code iss}, {@code aud}) and the
 * claim-to-header copy. Immutable; shared.
 */
final class TokenChecks {
  private final String issuer;
  private final List<String> audiences;
  private final long skewMillis;

  TokenChecks(String issuer, List<String> audiences, Duration skew) {
    this.issuer = issuer;
    this.audiences = audiences;
    this.skewMillis = skew.toMillis();
  }

  /** Why the verified token is not acceptable now, or {@code null}. */
  String problem(SignedJWT jwt) {
    JWTClaimsSet c;
    try {
      c = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return "claims are not a JSON object";
    }
    long now = System.currentTimeMillis();
    Date exp = c.getExpirationTime();
    if (exp != null && now > exp.getTime() + skewMillis) {
      return "token expired";
    }
    Date nbf = c.getNotBeforeTime();
    if (nbf != null && now + skewMillis < nbf.getTime()) {
      return "token not yet valid";
    }
    if (issuer != null && !issuer.equals(c.getIssuer())) {
      return "wrong issuer";
    }
    if (!audiences.isEmpty()) {
      List<String> aud = c.getAudience();
      boolean match = false;
      for (String a : aud) {
        if (audiences.contains(a)) {
          match = true;
          break;
        }
      }
      if (!match) {
        return "wrong audience";
      }
    }
    return null;
  }

  /** Sets each header to its claim's value (strings as is, lists comma-joined); absent: unset. */
  static void copyClaims(SignedJWT jwt, String[] claims, AsciiString[] names, HttpHeaders headers) {
    JWTClaimsSet c;
    try {
      c = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return; // checked before; cannot happen for a token that passed
    }
    for (int i = 0; i < claims.length; i++) {
      Object v = c.getClaim(claims[i]);
      String s = value(v);
      if (s != null) {
        headers.set(names[i], s);
      }
    }
  }

  private static String value(Object v) {
    if (v == null) {
      return null;
    }
    String s;
    if (v instanceof Collection<?> list) {
      StringBuilder b = new StringBuilder();
      for (Object o : list) {
        if (b.length() > 0) {
          b.append(',');
        }
        b.append(o);
      }
      s = b.toString();
    } else if (v instanceof Date d) {
      s = Long.toString(d.getTime() / 1000);
    } else {
      s = v.toString();
    }
    // a claim is attacker-influenced text: no control characters into a header value
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < 0x20 && ch != '\t' || ch == 0x7f) {
        return null;
      }
    }
    return s;
  }
}

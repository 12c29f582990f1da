package dev.sluice.dataplane.policy.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A JWK set turned into ready verifiers, once per key set (per snapshot for a Secret's keys, per
 * fetch for a JWKS URL), so that a request only looks a verifier up. Immutable and shared by every
 * event loop; nimbus' verifiers hold only their key and make a fresh JCA object per call.
 *
 * <p>Keys that cannot verify signatures (encryption-only {@code use: enc}, unsupported key types
 * such as OKP, or an RSA key under 2048 bits) are skipped; {@link #size()} counts the usable ones.
 */
public final class JwtKeys {
  /** A verifier and the algorithm family it accepts. */
  record Entry(String kid, Family family, JWSAlgorithm alg, JWSVerifier verifier) {}

  enum Family {
    HMAC,
    RSA,
    EC;

    static Family of(JWSAlgorithm alg) {
      if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
        return HMAC;
      }
      if (JWSAlgorithm.Family.RSA.contains(alg)) {
        return RSA;
      }
      if (JWSAlgorithm.Family.EC.contains(alg)) {
        return EC;
      }
      return null;
    }
  }

  /** No key: every token is refused. */
  static final JwtKeys EMPTY = new JwtKeys(List.of());

  private final Map<String, List<Entry>> byKid;
  private final List<Entry> all;

  private JwtKeys(List<Entry> all) {
    this.all = List.copyOf(all);
    Map<String, List<Entry>> m = new HashMap<>();
    for (Entry e : all) {
      if (e.kid() != null) {
        m.computeIfAbsent(e.kid(), k -> new ArrayList<>()).add(e);
      }
    }
    m.replaceAll((k, v) -> List.copyOf(v));
    this.byKid = Map.copyOf(m);
  }

  /** Parses a JWK set (JSON); throws {@link ParseException} for JSON that is not one. */
  public static JwtKeys parse(String jwkSetJson) throws ParseException {
    return of(JWKSet.parse(jwkSetJson));
  }

  static JwtKeys of(JWKSet set) {
    List<Entry> entries = new ArrayList<>();
    for (JWK k : set.getKeys()) {
      if (k.getKeyUse() != null && !KeyUse.SIGNATURE.equals(k.getKeyUse())) {
        continue;
      }
      JWSAlgorithm alg = k.getAlgorithm() == null ? null : JWSAlgorithm.parse(k.getAlgorithm().getName());
      try {
        if (k instanceof OctetSequenceKey oct && oct.size() >= 256) {
          entries.add(new Entry(k.getKeyID(), Family.HMAC, alg, new MACVerifier(oct)));
        } else if (k instanceof RSAKey rsa && rsa.size() >= 2048) {
          entries.add(new Entry(k.getKeyID(), Family.RSA, alg, new RSASSAVerifier(rsa)));
        } else if (k instanceof ECKey ec) {
          entries.add(new Entry(k.getKeyID(), Family.EC, alg, new ECDSAVerifier(ec)));
        }
      } catch (JOSEException e) {
        // an unusable key (e.g. a curve nimbus does not verify): the others still serve
      }
    }
    return new JwtKeys(entries);
  }

  /** Number of usable verification keys. */
  public int size() {
    return all.size();
  }

  /**
   * The verifiers a token signed with {@code alg} (and naming {@code kid}, or none) may be checked
   * with; empty when the set has no matching key. A token naming a kid is only checked with that
   * kid's keys, so a key meant for one issuer cannot vouch for another's kid.
   */
  List<Entry> candidates(String kid, JWSAlgorithm alg) {
    Family family = Family.of(alg);
    if (family == null) {
      return List.of();
    }
    List<Entry> pool = kid == null ? all : byKid.getOrDefault(kid, List.of());
    List<Entry> out = null;
    for (Entry e : pool) {
      if (e.family() == family && (e.alg() == null || e.alg().equals(alg))) {
        if (pool.size() == 1) {
          return pool; // the common case: one key per kid, no list built
        }
        if (out == null) {
          out = new ArrayList<>(2);
        }
        out.add(e);
      }
    }
    return out == null ? List.of() : out;
  }

  /** Whether the set has a key with this id. */
  boolean hasKid(String kid) {
    return byKid.containsKey(kid);
  }
}

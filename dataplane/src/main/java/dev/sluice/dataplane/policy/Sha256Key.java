package dev.sluice.dataplane.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * 128 bits of the SHA-256 of some text: a cache key that does not keep the text (credentials,
 * tokens) in memory. Collisions are out of reach at 128 bits. Immutable.
 */
record Sha256Key(long high, long low) {

  static Sha256Key of(byte[] text) {
    byte[] d;
    try {
      d = MessageDigest.getInstance("SHA-256").digest(text);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
    long h = 0;
    long l = 0;
    for (int i = 0; i < 8; i++) {
      h = h << 8 | (d[i] & 0xff);
      l = l << 8 | (d[i + 8] & 0xff);
    }
    return new Sha256Key(h, l);
  }

  static Sha256Key of(String text) {
    return of(text.getBytes(StandardCharsets.UTF_8));
  }
}
